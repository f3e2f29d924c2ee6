"""Price lines and the usage they assume: what each compute's cost lines and the shared lines are made of.

Prices are AWS on-demand list prices for us-east-1 as of PRICES_AS_OF, written here by hand (each one
next to the pricing page it comes from); other regions are scaled by factors read from the AWS Price
List API when the estimate is made (deploy/price_list.py). Real bills depend on traffic: it is an
estimate and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PRICES_AS_OF = date(2025, 6, 1)
PRICE_REGION = "us-east-1"
HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 30.4

# Public IPv4 addresses, in use or idle: https://aws.amazon.com/vpc/pricing/ ("Public IPv4 Address")
PUBLIC_IPV4_HOUR = 0.005


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
    cdn_gb: float = 10.0  # published charts through CloudFront (the edge stack)
    cdn_requests: int = 1_000_000
    cdn_page_views: int = 250_000  # embed pages (each runs the allowlist function once)
    invalidation_paths: int = 300  # pages republished or unpublished in a month, plus their PNGs
    endpoint_gb: float = 5.0  # image pulls, logs and secrets through the interface endpoints
    # A low-traffic install: a few people editing charts a few hours a week.
    lambda_requests_per_month: int = 100_000
    lambda_seconds_per_request: float = 0.2
    builds_per_month: int = 4  # deploys and updates that build an image in CodeBuild
    build_minutes: float = 8.0  # one image build (web app + Python package), small build machine


@dataclass(frozen=True)
class CostLine:
    part: str
    monthly_usd: float
    basis: str
    price_key: str = ""  # the deploy/price_list.py probe whose region factor scales it ("": the overall one)


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
