"""A monthly cost estimate, part by part, before anything is created.

The compute's own lines come from its module (deploy/computes/); the parts every stack shares are
priced here. Prices are us-east-1 list prices (deploy/pricing.py), scaled line by line by the region
factors read from the AWS Price List API (deploy/price_list.py); the note says which, or why not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from storyanalytics.deploy.computes import COMPUTES, SizeError, get_compute
from storyanalytics.deploy.price_list import GLOBAL, RegionFactors
from storyanalytics.deploy.pricing import (
    HOURS_PER_MONTH,
    PRICE_REGION,
    PRICES_AS_OF,
    PUBLIC_IPV4_HOUR,
    CostLine,
    Usage,
    parse_memory_gb,
    parse_vcpu,
)

# https://aws.amazon.com/vpc/pricing/ (NAT gateway, us-east-1)
NAT_GATEWAY_HOUR = 0.045
NAT_GATEWAY_GB = 0.045
# https://aws.amazon.com/rds/postgresql/pricing/ (Single-AZ, us-east-1)
RDS_STORAGE_GB_MONTH = 0.115  # gp2/gp3, Single-AZ
RDS_INSTANCE_HOUR = {  # PostgreSQL, Single-AZ
    "db.t4g.micro": 0.016,
    "db.t4g.small": 0.032,
    "db.t4g.medium": 0.065,
    "db.t4g.large": 0.129,
    "db.t3.micro": 0.018,
    "db.t3.small": 0.036,
    "db.t3.medium": 0.072,
}
# https://aws.amazon.com/secrets-manager/pricing/
SECRET_MONTH = 0.40
# https://aws.amazon.com/cloudwatch/pricing/ (logs, standard class)
LOGS_INGEST_GB = 0.50
LOGS_STORAGE_GB_MONTH = 0.03
# https://aws.amazon.com/s3/pricing/ (S3 Standard) and https://aws.amazon.com/ecr/pricing/
S3_GB_MONTH = 0.023
ECR_GB_MONTH = 0.10
# CloudFront, always-free tier and the first paid tier (North America and Europe):
# https://aws.amazon.com/cloudfront/pricing/
CLOUDFRONT_FREE_GB = 1024
CLOUDFRONT_FREE_REQUESTS = 10_000_000
CLOUDFRONT_GB = 0.085
CLOUDFRONT_10K_HTTPS_REQUESTS = 0.01
CLOUDFRONT_FREE_FUNCTION_INVOCATIONS = 2_000_000
CLOUDFRONT_FUNCTION_MILLION = 0.10
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PayingForInvalidation.html
CLOUDFRONT_FREE_INVALIDATION_PATHS = 1000
CLOUDFRONT_INVALIDATION_PATH = 0.005
# CodeBuild on-demand, per build minute, BUILD_GENERAL1_SMALL on Linux (2 vCPU, up to 4 GiB), billed only
# while a build runs: https://aws.amazon.com/codebuild/pricing/ and
# https://aws.amazon.com/blogs/devops/strategies-to-optimize-the-costs-of-your-builds-on-aws-codebuild/
CODEBUILD_SMALL_MINUTE = 0.005

__all__ = [
    "PRICES_AS_OF",
    "CostEstimate",
    "CostLine",
    "Usage",
    "estimate_cost",
    "parse_memory_gb",
    "parse_vcpu",
]


@dataclass
class CostEstimate:
    region: str
    compute: str
    lines: list[CostLine] = field(default_factory=list)
    prices_as_of: date = PRICES_AS_OF
    # The same stack on each other compute (its size if it can run it, else its smallest), side by side.
    alternatives: dict[str, CostEstimate] = field(default_factory=dict)
    factors: RegionFactors | None = None  # None: not measured (no AWS call was made for it)
    region_factor: float | None = None  # the overall factor applied; None when not known

    @property
    def total(self) -> float:
        return round(sum(line.monthly_usd for line in self.lines), 2)

    @property
    def price_keys(self) -> set[str]:
        """The region-factor probes its lines (and its alternatives' lines) would be scaled by."""
        keys = {line.price_key for line in self.lines if line.price_key not in {"", GLOBAL}}
        for other in self.alternatives.values():
            keys |= other.price_keys
        return keys

    @property
    def note(self) -> str:
        factors = self.factors
        prices = f"{PRICE_REGION} list prices as of {self.prices_as_of.isoformat()}"
        if self.region == PRICE_REGION:
            where = f"{prices} (region factor 1.00)"
        elif factors is not None and self.region_factor is not None:
            missing = f"; not in the price list: {', '.join(factors.not_found)}" if factors.not_found else ""
            where = (
                f"{prices}, scaled to {self.region} by the AWS Price List API's prices today (region factor "
                f"{self.region_factor:.2f} overall; each line's in its basis{missing})"
            )
        else:
            why = (
                factors.unavailable or "the price list answered none of its products"
                if factors is not None
                else "the region factor is measured only when the deploy asks the AWS Price List API"
            )
            where = (
                f"{prices}, not scaled for {self.region}: {why}, so the region factor is unknown (taken as "
                f"1.00; most prices in {self.region} differ)"
            )
        return (
            f"An estimate from {where}, before free tier and taxes; your bill depends on traffic. "
            "Check https://aws.amazon.com/pricing/ for today's prices."
        )


def _scale(
    lines: list[CostLine], region: str, factors: RegionFactors | None
) -> tuple[list[CostLine], float | None]:
    """Each line at the region's price: its own probe's factor, else the overall one (the measured
    lines' factors weighted by their cost); global lines (CloudFront) stay as they are."""
    if region == PRICE_REGION:
        return lines, 1.0
    if factors is None or not factors.factors:
        return lines, None
    measured = [
        (line, factors.factors[line.price_key]) for line in lines if line.price_key in factors.factors
    ]
    base = sum(line.monthly_usd for line, _ in measured)
    overall = (
        sum(line.monthly_usd * factor for line, factor in measured) / base
        if base > 0
        else sum(factors.factors.values()) / len(factors.factors)
    )
    scaled = []
    for line in lines:
        if line.price_key == GLOBAL:
            scaled.append(line)
            continue
        if line.price_key in factors.factors:
            factor = factors.factors[line.price_key]
            why = f"x{factor:.2f}: the {factors.labels[line.price_key]} in {factors.region} vs {PRICE_REGION}"
        else:
            factor, why = overall, f"x{overall:.2f}: the overall region factor"
        scaled.append(CostLine(line.part, line.monthly_usd * factor, f"{line.basis} ({why})", line.price_key))
    return scaled, overall


def edge_cost_lines(use: Usage) -> list[CostLine]:
    """The edge stack: CloudFront delivery, its page function, and the invalidations its own function
    sends (that function and its queue stay inside the Lambda and SQS free tiers at this scale:
    https://aws.amazon.com/lambda/pricing/ and https://aws.amazon.com/sqs/pricing/)."""
    beyond_gb = max(0.0, use.cdn_gb - CLOUDFRONT_FREE_GB)
    beyond_requests = max(0, use.cdn_requests - CLOUDFRONT_FREE_REQUESTS)
    delivery = beyond_gb * CLOUDFRONT_GB + beyond_requests / 10_000 * CLOUDFRONT_10K_HTTPS_REQUESTS
    invocations = max(0, use.cdn_page_views - CLOUDFRONT_FREE_FUNCTION_INVOCATIONS)
    paths = max(0, use.invalidation_paths - CLOUDFRONT_FREE_INVALIDATION_PATHS)
    return [
        CostLine(
            "CloudFront (published charts)",
            delivery,
            f"~{use.cdn_gb:g} GB, {use.cdn_requests:,} requests/month; always free: "
            f"{CLOUDFRONT_FREE_GB // 1024} TB out and {CLOUDFRONT_FREE_REQUESTS:,} requests a month, "
            f"beyond it ${CLOUDFRONT_GB}/GB and ${CLOUDFRONT_10K_HTTPS_REQUESTS} per 10,000 HTTPS requests",
            GLOBAL,  # priced by where readers are, not by the stack's region
        ),
        CostLine(
            "CloudFront Function + invalidations (edge)",
            invocations / 1_000_000 * CLOUDFRONT_FUNCTION_MILLION + paths * CLOUDFRONT_INVALIDATION_PATH,
            f"~{use.cdn_page_views:,} embed page views run the allowlist function "
            f"({CLOUDFRONT_FREE_FUNCTION_INVOCATIONS:,} free, then ${CLOUDFRONT_FUNCTION_MILLION}/million); "
            f"~{use.invalidation_paths:,} invalidation paths ({CLOUDFRONT_FREE_INVALIDATION_PATHS:,} free, "
            f"then ${CLOUDFRONT_INVALIDATION_PATH} each); the invalidation function and queue: Lambda and "
            "SQS free tiers",
            GLOBAL,
        ),
    ]


def estimate_cost(
    *,
    region: str,
    compute: str,
    cpu: str | float,
    memory: str | float,
    db_instance_class: str = "db.t4g.micro",
    enable_nat: bool = False,
    usage: Usage | None = None,
    settings: Mapping[str, str] | None = None,
    edge: bool = False,
    builder: str = "local",
    compare: bool = True,
    factors: RegionFactors | None = None,
) -> CostEstimate:
    """`settings`: the app template's other parameter values that change the bill (EndpointAzCount);
    `builder`: codebuild adds the build minutes (a local Docker build costs nothing in AWS). With
    `compare`, `alternatives` holds the estimate for every other compute. `factors` (measured by
    deploy/price_list.py) scale us-east-1 prices to the region; without them the note says so."""
    use = usage or Usage()
    chosen = get_compute(compute)
    size = chosen.check_size(str(cpu), str(memory))
    if compare:
        alternatives = {}
        for name, other in COMPUTES.items():
            if name == compute:
                continue
            try:
                other_size = other.check_size(str(size.cpu), str(size.memory))
            except SizeError:
                other_size = other.valid_pairs[0]
            alternatives[name] = estimate_cost(
                region=region,
                compute=name,
                cpu=str(other_size.cpu),
                memory=str(other_size.memory),
                db_instance_class=db_instance_class,
                enable_nat=enable_nat,
                usage=use,
                settings=settings,
                builder=builder,
                edge=edge,
                compare=False,
                factors=factors,
            )
    estimate = CostEstimate(region=region, compute=compute, factors=factors)
    add = estimate.lines.append
    estimate.lines.extend(chosen.cost_lines(size, use, settings or {}))
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
                "rds",
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
                "nat",
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
    if edge:
        estimate.lines.extend(edge_cost_lines(use))
    lines, estimate.region_factor = _scale(estimate.lines, region, factors)
    estimate.lines = [
        CostLine(line.part, round(line.monthly_usd, 2), line.basis, line.price_key) for line in lines
    ]
    if compare:
        estimate.alternatives = alternatives
    return estimate
