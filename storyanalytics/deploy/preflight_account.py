"""Preflight rows about the account itself: what the stack will consume or need, read before anything
is created. Each row is ok, warn or fail with a one-line fix; a check the caller's identity is not
allowed to make is a warning, never a failure (the deploy may still work)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.errors import aws_error_message, error_code

ClientFactory = Callable[[str], Any]
Add = Callable[[str, str, str], None]

# Service Quotas codes, each checked against its name at run time: GetServiceQuota returns the QuotaName
# of the code asked, and a name other than the one below turns the row into a warning (never a wrong
# pass or fail). The names are AWS's; the codes are not on an AWS page found here (they are what
# `aws service-quotas list-service-quotas --service-code <code>` lists), hence the run-time check.
# "VPCs per Region": https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
VPC_QUOTA = ("vpc", "L-F678F1CE", "VPCs per Region")
# "Fargate On-Demand vCPU resource count":
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate
FARGATE_VCPU_QUOTA = ("fargate", "L-3032A538", "Fargate On-Demand vCPU resource count")
# The NAT gateway's Elastic IP ("Elastic IP addresses per Region" in the VPC quotas page above; Service
# Quotas names it "EC2-VPC Elastic IPs")
EIP_QUOTA = ("ec2", "L-0263D0A3", "EC2-VPC Elastic IPs")

# Service-linked roles the stack's services use; each service creates its own on first use when the
# caller may (iam:CreateServiceLinkedRole). Names and service principals from each service's page:
# ECS https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html,
# ELB https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html,
# Application Auto Scaling (Express's scaling policy)
# https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html,
# RDS https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAM.ServiceLinkedRoles.html,
# App Runner's VPC connector https://docs.aws.amazon.com/apprunner/latest/dg/using-service-linked-roles-networking.html
RDS_ROLE = {"AWSServiceRoleForRDS": "rds.amazonaws.com"}
SERVICE_LINKED_ROLES = {
    "ecs-express": {
        "AWSServiceRoleForECS": "ecs.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing": "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_ECSService": "ecs.application-autoscaling.amazonaws.com",
        **RDS_ROLE,
    },
    "apprunner": {
        "AWSServiceRoleForAppRunnerNetworking": "networking.apprunner.amazonaws.com",
        **RDS_ROLE,
    },
    # The function's network interfaces are made with its execution role, not a service-linked role.
    "lambda": dict(RDS_ROLE),
}


def check_ecs(add: Add, client: ClientFactory) -> None:
    """ECS Express needs nothing but the ECS API (it makes its default cluster itself)."""
    try:
        client("ecs").list_clusters(maxResults=1)
    except (ClientError, BotoCoreError) as exc:
        add(
            "Compute",
            "fail",
            f"Amazon ECS is not usable by this identity ({aws_error_message(exc)}): allow ecs:* "
            "(for example the AmazonECS_FullAccess policy) or use another --compute.",
        )
        return
    add("Compute", "ok", "ECS Express Mode (Fargate behind a load balancer with an HTTPS URL)")


def check_database_class(add: Add, client: ClientFactory, db_class: str, engine_version: str) -> None:
    """The class must be orderable for PostgreSQL in the AZs the template takes (two of the region's)."""
    row = "Database class"
    try:
        zones = client("ec2").describe_availability_zones(
            Filters=[
                {"Name": "state", "Values": ["available"]},
                {"Name": "zone-type", "Values": ["availability-zone"]},
            ]
        )["AvailabilityZones"]
        region_zones = sorted(str(zone["ZoneName"]) for zone in zones)
        orderable: set[str] = set()
        paginator = client("rds").get_paginator("describe_orderable_db_instance_options")
        for page in paginator.paginate(Engine="postgres", DBInstanceClass=db_class):
            for option in page.get("OrderableDBInstanceOptions", []):
                version = str(option.get("EngineVersion", ""))
                if version == engine_version or version.startswith(f"{engine_version}."):
                    orderable.update(str(zone["Name"]) for zone in option.get("AvailabilityZones", []))
    except (ClientError, BotoCoreError) as exc:
        add(row, "warn", f"Could not check {db_class} ({aws_error_message(exc)}); the deploy will tell.")
        return
    missing = [zone for zone in region_zones if zone not in orderable]
    if not orderable and not _lists_postgres(client):
        add(row, "warn", f"RDS listed no PostgreSQL options here, so {db_class} could not be checked.")
    elif not orderable:
        add(
            row,
            "fail",
            f"{db_class} is not offered for PostgreSQL {engine_version} in this region: pass another "
            "--db-instance-class, e.g. db.t4g.micro or db.t3.micro.",
        )
    elif missing:
        add(
            row,
            "warn",
            f"{db_class} cannot be ordered in {', '.join(missing)}; if the template's two AZs include one, "
            "the database fails: pass another --db-instance-class.",
        )
    else:
        add(row, "ok", f"{db_class} (PostgreSQL {engine_version}) is offered in every AZ of the region")


def _lists_postgres(client: ClientFactory) -> bool:
    try:
        page = client("rds").describe_orderable_db_instance_options(Engine="postgres", MaxRecords=20)
    except (ClientError, BotoCoreError):
        return False
    return bool(page.get("OrderableDBInstanceOptions"))


def _quota(client: ClientFactory, service: str, code: str) -> tuple[float, str]:
    """The quota's value and the name AWS gives the code (GetServiceQuota's Quota.QuotaName)."""
    quota = client("service-quotas").get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]
    return float(quota["Value"]), str(quota.get("QuotaName") or "")


def check_quotas(add: Add, client: ClientFactory, *, fargate_vcpus: float, needs_eip: bool) -> None:
    """VPCs (one more), Fargate vCPUs (at most MaxTasks tasks), Elastic IPs (with NAT only)."""
    checks: list[tuple[tuple[str, str, str], float, Callable[[], float]]] = [
        (VPC_QUOTA, 1, lambda: float(len(client("ec2").describe_vpcs()["Vpcs"]))),
    ]
    if fargate_vcpus:
        checks.append((FARGATE_VCPU_QUOTA, fargate_vcpus, lambda: 0.0))
    if needs_eip:
        checks.append((EIP_QUOTA, 1, lambda: float(len(client("ec2").describe_addresses()["Addresses"]))))
    for (service, code, name), needed, used in checks:
        row = f"Quota: {name}"
        try:
            limit, named = _quota(client, service, code)
            in_use = used()
        except (ClientError, BotoCoreError) as exc:
            denied = error_code(exc) in {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
            add(
                row,
                "warn",
                ("Not allowed to read it" if denied else f"Could not read it ({aws_error_message(exc)})")
                + f": check it in the Service Quotas console ({service}, {code}).",
            )
            continue
        if named and named.casefold() != name.casefold():
            add(
                row,
                "warn",
                f"Quota code {code} is {named!r} here, not {name!r}: check {name!r} in the Service Quotas "
                f"console ({service}).",
            )
        elif in_use + needed > limit:
            add(
                row,
                "fail",
                f"{in_use:g} in use + {needed:g} needed > quota {limit:g}: free some, or request more in the "
                f"Service Quotas console ({service}, {code}).",
            )
        else:
            add(row, "ok", f"{in_use:g} in use + {needed:g} needed of {limit:g}")


def check_service_linked_roles(add: Add, client: ClientFactory, compute: str) -> None:
    missing: list[tuple[str, str]] = []
    for role, service in SERVICE_LINKED_ROLES.get(compute, {}).items():
        try:
            client("iam").get_role(RoleName=role)
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) != "NoSuchEntity":
                add("Service-linked roles", "warn", f"Could not read {role} ({aws_error_message(exc)}).")
                return
            missing.append((role, service))
    if not missing:
        add("Service-linked roles", "ok", "all exist")
        return
    names = ", ".join(role for role, _ in missing)
    add(
        "Service-linked roles",
        "warn",
        f"{names} will be created on first use, which needs iam:CreateServiceLinkedRole; without it, "
        f"an admin runs `aws iam create-service-linked-role --aws-service-name {missing[0][1]}` (and so on).",
    )
