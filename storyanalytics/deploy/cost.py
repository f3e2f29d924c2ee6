"""A monthly cost estimate, part by part, before anything is created.

Prices are AWS on-demand list prices for us-east-1 as of PRICES_AS_OF, written here by hand; other
regions cost somewhat more, and real bills depend on traffic. It is an estimate and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

PRICES_AS_OF = date(2025, 6, 1)
PRICE_REGION = "us-east-1"
HOURS_PER_MONTH = 730

# USD, us-east-1, on-demand list prices as of PRICES_AS_OF.
FARGATE_VCPU_HOUR = 0.04048  # Linux/x86
FARGATE_GB_HOUR = 0.004445
ALB_HOUR = 0.0225
ALB_LCU_HOUR = 0.008
PUBLIC_IPV4_HOUR = 0.005
APPRUNNER_VCPU_HOUR = 0.064  # only while handling requests
APPRUNNER_GB_HOUR = 0.007  # memory is billed whenever the service is provisioned
NAT_GATEWAY_HOUR = 0.045
NAT_GATEWAY_GB = 0.045
RDS_STORAGE_GB_MONTH = 0.115  # gp2/gp3, Single-AZ
SECRET_MONTH = 0.40
LOGS_INGEST_GB = 0.50
LOGS_STORAGE_GB_MONTH = 0.03
S3_GB_MONTH = 0.023
ECR_GB_MONTH = 0.10
# CodeBuild on-demand, per build minute, BUILD_GENERAL1_SMALL on Linux (2 vCPU, up to 4 GiB), billed only
# while a build runs: https://aws.amazon.com/codebuild/pricing/ and
# https://aws.amazon.com/blogs/devops/strategies-to-optimize-the-costs-of-your-builds-on-aws-codebuild/
CODEBUILD_SMALL_MINUTE = 0.005
RDS_INSTANCE_HOUR = {  # PostgreSQL, Single-AZ
    "db.t4g.micro": 0.016,
    "db.t4g.small": 0.032,
    "db.t4g.medium": 0.065,
    "db.t4g.large": 0.129,
    "db.t3.micro": 0.018,
    "db.t3.small": 0.036,
    "db.t3.medium": 0.072,
}


@dataclass(frozen=True)
class Usage:
    """What the estimate assumes about use; every figure is shown next to the line it drives."""

    db_storage_gb: int = 20
    tasks: int = 1
    alb_lcu: float = 1.0
    apprunner_active_hours_per_day: float = 6.0
    secrets: int = 3  # database credentials, JWT signing key, admin password (all made by the stack)
    logs_gb: float = 1.0
    s3_gb: float = 5.0
    ecr_gb: float = 1.0
    nat_gb: float = 5.0
    builds_per_month: int = 4  # deploys and updates that build an image in CodeBuild
    build_minutes: float = 8.0  # one image build (web app + Python package), small build machine


@dataclass(frozen=True)
class CostLine:
    part: str
    monthly_usd: float
    basis: str


@dataclass
class CostEstimate:
    region: str
    compute: str
    lines: list[CostLine] = field(default_factory=list)
    prices_as_of: date = PRICES_AS_OF

    @property
    def total(self) -> float:
        return round(sum(line.monthly_usd for line in self.lines), 2)

    @property
    def note(self) -> str:
        where = (
            "us-east-1 list prices"
            if self.region == PRICE_REGION
            else f"us-east-1 list prices (prices in {self.region} are usually a little higher)"
        )
        return (
            f"An estimate from {where} as of {self.prices_as_of.isoformat()}, before free tier and taxes; "
            "your bill depends on traffic. Check https://aws.amazon.com/pricing/ for today's prices."
        )


def parse_vcpu(value: str | float) -> float:
    """'512' (CPU units), '0.5 vCPU' or '0.5' -> 0.5."""
    number = _number(value)
    return number / 1024 if number >= 64 else number


def parse_memory_gb(value: str | float) -> float:
    """'1024' (MiB), '1 GB' or '1' -> 1.0."""
    number = _number(value)
    return number / 1024 if number >= 64 else number


def _number(value: str | float) -> float:
    match = re.search(r"\d+(?:\.\d+)?", str(value))
    if not match:
        raise ValueError(f"not a size: {value!r}")
    return float(match.group())


def estimate_cost(
    *,
    region: str,
    compute: str,
    cpu: str | float,
    memory: str | float,
    db_instance_class: str = "db.t4g.micro",
    enable_nat: bool = False,
    usage: Usage | None = None,
    builder: str = "local",
) -> CostEstimate:
    use = usage or Usage()
    vcpu, memory_gb = parse_vcpu(cpu), parse_memory_gb(memory)
    estimate = CostEstimate(region=region, compute=compute)
    add = estimate.lines.append
    if compute == "apprunner":
        active = use.apprunner_active_hours_per_day * 30.4
        add(
            CostLine(
                "App Runner compute",
                vcpu * APPRUNNER_VCPU_HOUR * active,
                f"{vcpu:g} vCPU x ${APPRUNNER_VCPU_HOUR}/h, "
                f"~{use.apprunner_active_hours_per_day:g} busy h/day",
            )
        )
        add(
            CostLine(
                "App Runner memory",
                memory_gb * APPRUNNER_GB_HOUR * HOURS_PER_MONTH,
                f"{memory_gb:g} GB x ${APPRUNNER_GB_HOUR}/GB-h, always provisioned",
            )
        )
    else:
        add(
            CostLine(
                "Fargate tasks (ECS Express)",
                use.tasks * (vcpu * FARGATE_VCPU_HOUR + memory_gb * FARGATE_GB_HOUR) * HOURS_PER_MONTH,
                f"{use.tasks} task x ({vcpu:g} vCPU x ${FARGATE_VCPU_HOUR}/h + {memory_gb:g} GB x "
                f"${FARGATE_GB_HOUR}/h), 24/7",
            )
        )
        add(
            CostLine(
                "Application Load Balancer",
                (ALB_HOUR + use.alb_lcu * ALB_LCU_HOUR) * HOURS_PER_MONTH,
                f"${ALB_HOUR}/h + {use.alb_lcu:g} LCU x ${ALB_LCU_HOUR}/h",
            )
        )
        addresses = 2 + use.tasks  # the load balancer in two AZs, one per task in a public subnet
        add(
            CostLine(
                "Public IPv4 addresses",
                addresses * PUBLIC_IPV4_HOUR * HOURS_PER_MONTH,
                f"{addresses} addresses x ${PUBLIC_IPV4_HOUR}/h (load balancer in 2 AZs, tasks)",
            )
        )
    hourly = RDS_INSTANCE_HOUR.get(db_instance_class)
    if hourly is None:
        add(
            CostLine(
                f"RDS PostgreSQL {db_instance_class}", 0.0, "price not known here: check the RDS pricing"
            )
        )
    else:
        add(
            CostLine(
                f"RDS PostgreSQL {db_instance_class}",
                hourly * HOURS_PER_MONTH,
                f"${hourly}/h, Single-AZ",
            )
        )
    add(
        CostLine(
            "RDS storage",
            use.db_storage_gb * RDS_STORAGE_GB_MONTH,
            f"{use.db_storage_gb} GB x ${RDS_STORAGE_GB_MONTH}/GB-month (backups up to that size free)",
        )
    )
    if enable_nat:
        add(
            CostLine(
                "NAT gateway (EnableNat)",
                (NAT_GATEWAY_HOUR + PUBLIC_IPV4_HOUR) * HOURS_PER_MONTH + use.nat_gb * NAT_GATEWAY_GB,
                f"${NAT_GATEWAY_HOUR}/h + its public IP + {use.nat_gb:g} GB x ${NAT_GATEWAY_GB}/GB",
            )
        )
    add(
        CostLine(
            "Secrets Manager", use.secrets * SECRET_MONTH, f"{use.secrets} secrets x ${SECRET_MONTH}/month"
        )
    )
    add(
        CostLine(
            "CloudWatch Logs",
            use.logs_gb * (LOGS_INGEST_GB + LOGS_STORAGE_GB_MONTH),
            f"~{use.logs_gb:g} GB/month x (${LOGS_INGEST_GB} ingest + ${LOGS_STORAGE_GB_MONTH} storage)",
        )
    )
    add(CostLine("S3 bucket", use.s3_gb * S3_GB_MONTH, f"~{use.s3_gb:g} GB x ${S3_GB_MONTH}/GB-month"))
    add(CostLine("ECR images", use.ecr_gb * ECR_GB_MONTH, f"~{use.ecr_gb:g} GB x ${ECR_GB_MONTH}/GB-month"))
    if builder == "codebuild":
        minutes = use.builds_per_month * use.build_minutes
        add(
            CostLine(
                "CodeBuild image builds",
                minutes * CODEBUILD_SMALL_MINUTE,
                f"{use.builds_per_month} builds x ~{use.build_minutes:g} min x ${CODEBUILD_SMALL_MINUTE}/min "
                "(small Linux), only while building",
            )
        )
    estimate.lines = [CostLine(line.part, round(line.monthly_usd, 2), line.basis) for line in estimate.lines]
    return estimate
