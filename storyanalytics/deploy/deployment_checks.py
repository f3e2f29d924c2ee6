"""The checks before anything is created: the preflight table (with the account rows) and the monthly
cost estimate, scaled to the region by the AWS Price List API."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from storyanalytics.deploy.computes import DEFAULT_COMPUTE, SizeError, get_compute
from storyanalytics.deploy.cost import CostEstimate, estimate_cost
from storyanalytics.deploy.deployment_base import DeploymentBase
from storyanalytics.deploy.edge_stack import check_domain
from storyanalytics.deploy.preflight import PreflightReport, run_preflight
from storyanalytics.deploy.preflight_account import (
    check_database_class,
    check_quotas,
    check_service_linked_roles,
)
from storyanalytics.deploy.price_list import (
    PRICE_LIST_API_REGION,
    RegionFactors,
    measure_region_factors,
    probes_for,
    unavailable,
)
from storyanalytics.deploy.pricing import PRICE_REGION
from storyanalytics.deploy.templates import parameter_defaults


class DeploymentChecks(DeploymentBase):
    """Preflight and cost: everything the user sees before the first change."""

    def preflight(self, *, build: bool = True) -> PreflightReport:
        report = run_preflight(
            session=self.session,
            client=self.client,
            region=self.region,
            stack_name=self.stack_name,
            compute=self.requested_compute or DEFAULT_COMPUTE,
            stack_names=[self.bootstrap_stack_name, self.stack_name, self.edge_stack_name],
            runner=self.runner if build else None,
            builder=self.builder,
        )
        if report.ok and not self.requested_compute and report.existing_stacks.get(self.stack_name):
            report.compute = self.compute
        if report.ok and self.edge and self.domain:
            check_domain(
                report,
                self.certificate_client("acm"),
                self.certificate_client("route53"),
                self.domain,
                self.certificate_arn,
            )
        if report.ok:
            self._account_checks(report)
        self.last_preflight = report
        return report

    def _account_checks(self, report: PreflightReport) -> None:
        """Size, database class, quotas and service-linked roles: rows, before anything is created."""
        exists = bool(report.existing_stacks.get(self.stack_name))
        try:
            size = self.size(report.compute, exists)
        except SizeError as exc:
            report.add("Size", "fail", str(exc))
            return
        report.add(
            "Size", "ok", f"{size.cpu} CPU units, {size.memory} MiB on {get_compute(report.compute).title}"
        )
        defaults = parameter_defaults(self.app_template)
        db_class = self.db_instance_class or (None if exists else defaults.get("DbInstanceClass"))
        if db_class:
            check_database_class(
                report.add, self.client, db_class, str(defaults.get("DbEngineVersion") or "16")
            )
        if exists:
            return  # the stack's VPC, addresses and roles are already there
        max_tasks = float(defaults.get("MaxTasks") or 1)
        nat = self.enable_nat if self.enable_nat is not None else defaults.get("EnableNat") == "true"
        fargate = size.vcpu * max_tasks if report.compute == "ecs-express" else 0.0
        check_quotas(report.add, self.client, fargate_vcpus=fargate, needs_eip=bool(nat))
        check_service_linked_roles(report.add, self.client, report.compute)

    def estimate_cost(self) -> CostEstimate:
        """The monthly estimate, scaled to the region by factors the AWS Price List API gives today."""
        defaults = parameter_defaults(self.app_template)
        nat = self.enable_nat
        if nat is None:
            nat = str(defaults.get("EnableNat") or "false").lower() == "true"
        report = self.last_preflight
        compute = report.compute if report else self.compute
        size = self.size(compute, bool(report and report.existing_stacks.get(self.stack_name)))
        db_class = self.db_instance_class or defaults.get("DbInstanceClass") or "db.t4g.micro"
        arguments: dict[str, Any] = {
            "region": self.region,
            "compute": compute,
            "cpu": str(size.cpu),
            "memory": str(size.memory),
            "db_instance_class": db_class,
            "enable_nat": nat,
            "builder": self.builder_for_cost(),
            "settings": {"EndpointAzCount": str(self.endpoint_azs or defaults.get("EndpointAzCount") or 1)},
            "edge": self.edge,
        }
        keys = estimate_cost(**arguments).price_keys
        return estimate_cost(**arguments, factors=self.region_factors(keys, db_class))

    def region_factors(self, keys: set[str], db_class: str) -> RegionFactors:
        """How this region's prices compare with us-east-1's for the priced products (asked once)."""
        if self.endpoint_url:
            return unavailable(self.region, "an emulator endpoint is in use, and it has no price list")
        cache_key = (frozenset(keys), db_class)
        if cache_key not in self._factors:
            if self.region != PRICE_REGION:
                self.ui.notice(f"Reading {self.region} prices from the AWS Price List API for the estimate.")
            self._factors[cache_key] = measure_region_factors(
                self.price_list_client, self.region, probes_for(sorted(keys), db_class)
            )
        return self._factors[cache_key]

    def price_list_client(self) -> Any:
        """The AWS Price List Query API, served from us-east-1 whatever region is priced; short timeouts,
        since the estimate falls back to us-east-1 prices when it does not answer."""
        if "pricing" not in self._clients:
            self._clients["pricing"] = self.session.client(
                "pricing",
                region_name=PRICE_LIST_API_REGION,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=15
                ),
            )
        return self._clients["pricing"]

    def builder_for_cost(self) -> str:
        """The preflight's choice; a dry run checks no builder, so it prices what was asked for."""
        report = self.last_preflight
        if report is not None and report.builder is not None:
            return report.builder.name
        return "codebuild" if self.builder == "codebuild" else "local"
