"""One deployment's settings and plumbing: what can be checked without AWS is checked when it is made;
then one client per service, the templates, the stack names and a deployer per stack. The flow's steps
build on it (deployment_checks, deployment_image, deployment_teardown; aws_deployment runs them)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from storyanalytics.deploy.builders import check_builder_name
from storyanalytics.deploy.computes import (
    COMPUTE_CHOICES,
    DEFAULT_COMPUTE,
    Size,
    check_size_for_any,
    get_compute,
)
from storyanalytics.deploy.edge_stack import CERTIFICATE_REGION, edge_stack_name
from storyanalytics.deploy.errors import DeployError, PreflightError
from storyanalytics.deploy.image import CommandRunner, SubprocessRunner
from storyanalytics.deploy.preflight import PreflightReport
from storyanalytics.deploy.price_list import RegionFactors
from storyanalytics.deploy.stack_deployer import DEFAULT_TIMEOUT_SECONDS, StackDeployer
from storyanalytics.deploy.stack_name import check_stack_name
from storyanalytics.deploy.templates import load_template, parameter_defaults
from storyanalytics.deploy.ui import DeployUi, QuietUi
from storyanalytics.naming import APP_TAG_KEY

DEFAULT_STACK_NAME = "story-analytics"
DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PROJECT_DIR = Path(__file__).resolve().parents[2]


class DeploymentBase:
    """Settings, clients, templates and per-stack deployers of one deployment (no flow of its own)."""

    def __init__(
        self,
        region: str | None,
        stack_name: str = DEFAULT_STACK_NAME,
        compute: str | None = None,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
        runner: CommandRunner | None = None,
        ui: DeployUi | None = None,
        assume_yes: bool = False,
        project_dir: Path = PROJECT_DIR,
        admin_email: str | None = None,
        db_instance_class: str | None = None,
        cpu: str | None = None,
        memory: str | None = None,
        enable_nat: bool | None = None,
        builder: str = "auto",
        endpoint_azs: int | None = None,
        app_template: str | None = None,
        bootstrap_template: str | None = None,
        edge: bool = True,
        domain: str | None = None,
        certificate_arn: str | None = None,
        edge_template: str | None = None,
        clients: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        poll_interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # What can be checked without AWS is checked first: a bad name or size never reaches AWS.
        check_stack_name(stack_name)
        if compute is not None:
            get_compute(compute)
        if cpu is not None and memory is not None:
            if compute is not None:
                get_compute(compute).check_size(cpu, memory)
            else:
                check_size_for_any(cpu, memory)  # the compute may be the existing stack's
        self.session = session or boto3.session.Session(region_name=region)
        resolved_region = region or self.session.region_name
        if not resolved_region:
            raise PreflightError("No AWS region is set: pass --region (for example --region us-east-1).")
        self.region: str = resolved_region
        self.stack_name = stack_name
        self.requested_compute = compute
        self.endpoint_url = endpoint_url
        self.runner: CommandRunner = runner or SubprocessRunner()
        self.ui: DeployUi = ui or QuietUi()
        self.assume_yes = assume_yes
        self.project_dir = project_dir
        self.admin_email = admin_email
        self.db_instance_class = db_instance_class
        self.cpu = cpu
        self.memory = memory
        self.enable_nat = enable_nat
        self.builder = check_builder_name(builder)
        if endpoint_azs not in (None, 1, 2):
            raise PreflightError(f"endpoint_azs {endpoint_azs!r} is not 1 or 2: pass --endpoint-azs 1 or 2.")
        self.endpoint_azs = endpoint_azs
        self._app_template = app_template
        self._bootstrap_template = bootstrap_template
        if domain is not None and not DOMAIN.match(domain):
            raise PreflightError(
                f"{domain!r} is not a host name: pass --domain like charts.example.org (no https://)."
            )
        if certificate_arn and not domain:
            raise PreflightError("--certificate-arn is only used with --domain: pass both, or neither.")
        self.edge = edge
        self.domain = domain
        self.certificate_arn = certificate_arn
        self._edge_template = edge_template
        self._clients: dict[str, Any] = dict(clients or {})
        self.timeout = timeout
        self.poll_interval = poll_interval
        self._sleep = sleep
        self.last_preflight: PreflightReport | None = None
        self._factors: dict[tuple[frozenset[str], str], RegionFactors] = {}

    @property
    def bootstrap_stack_name(self) -> str:
        return f"{self.stack_name}-bootstrap"

    @property
    def stack_tags(self) -> dict[str, str]:
        """The same tags on every create and update: CloudFormation passes stack tags on to resources,
        and the Express service's Tags can only be set when it is created."""
        return {APP_TAG_KEY: self.stack_name}

    @property
    def app_template(self) -> str:
        if self._app_template is None:
            self._app_template = load_template("app")
        return self._app_template

    @property
    def edge_stack_name(self) -> str:
        return edge_stack_name(self.stack_name)

    @property
    def edge_template(self) -> str:
        if self._edge_template is None:
            self._edge_template = load_template("edge")
        return self._edge_template

    def certificate_client(self, service: str) -> Any:
        """ACM (and Route 53, a global service) for CloudFront's certificate, always in us-east-1."""
        key = f"{service}@{CERTIFICATE_REGION}"
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=CERTIFICATE_REGION,
                endpoint_url=self.endpoint_url,
            )
        return self._clients[key]

    @property
    def bootstrap_template(self) -> str:
        if self._bootstrap_template is None:
            self._bootstrap_template = load_template("bootstrap")
        return self._bootstrap_template

    def client(self, service: str) -> Any:
        """One client per service, all pointed at `endpoint_url` when one is given (emulators, tests)."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=self.region,
                endpoint_url=self.endpoint_url,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=10, read_timeout=60
                ),
            )
        return self._clients[service]

    def deployer(self, stack_name: str) -> StackDeployer:
        return StackDeployer(
            self.client("cloudformation"),
            stack_name,
            s3_client=self.client("s3"),
            logs_client=self.client("logs"),
            rds_client=self.client("rds"),
            poll_interval=self.poll_interval,
            sleep=self._sleep,
        )

    def stack_parameter(self, stack_name: str, key: str) -> str | None:
        stack = self.deployer(stack_name).describe()
        for item in (stack or {}).get("Parameters", []) or []:
            if item.get("ParameterKey") == key:
                return str(item.get("ParameterValue"))
        return None

    @property
    def compute(self) -> str:
        """As asked; else what the existing stack runs; else the default compute (Lambda)."""
        if self.requested_compute:
            return self.requested_compute
        try:
            previous = self.stack_parameter(self.stack_name, "Compute")
        except DeployError:
            previous = None
        return previous if previous in COMPUTE_CHOICES else DEFAULT_COMPUTE

    def size(self, compute: str, exists: bool) -> Size:
        """The CPU/memory the service will get: as given, else the stack's current, else the default.

        Checked for `compute` before anything is created, listing the valid pairs when it cannot run.
        """
        defaults = parameter_defaults(self.app_template)
        cpu, memory = self.cpu, self.memory
        if exists and (cpu is None or memory is None):
            cpu = cpu or self.stack_parameter(self.stack_name, "Cpu")
            memory = memory or self.stack_parameter(self.stack_name, "Memory")
        return get_compute(compute).check_size(
            cpu or defaults.get("Cpu") or "256", memory or defaults.get("Memory") or "1024"
        )

    def callbacks(self) -> dict[str, Any]:
        return {
            "assume_yes": self.assume_yes,
            "confirm": self.ui.confirm,
            "on_event": self.ui.event,
            "on_changes": self.ui.changes,
            "on_notice": self.ui.notice,
            "timeout": self.timeout,
        }
