"""Region price factors from the AWS Price List Query API, read when the estimate is made.

The estimate's unit prices are us-east-1 list prices written by hand (deploy/pricing.py). Outside
us-east-1 each line is scaled by the ratio of the same product's on-demand price in the two regions, as
AWS's own price list gives it today. When the API cannot be asked (no pricing:GetProducts, no network,
an emulator), the estimate says so and keeps the us-east-1 prices: a stated gap, never a silent one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.errors import aws_error_message, error_code
from storyanalytics.deploy.pricing import PRICE_REGION

# The Price List Query API is served from us-east-1 (also eu-central-1 and ap-south-1), whatever region
# is priced: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-ppslong.html
PRICE_LIST_API_REGION = "us-east-1"
DENIED_CODES = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}


@dataclass(frozen=True)
class PriceProbe:
    """One product the estimate prices, found by its billing code (usage type) without the region part.

    Usage types read `<region billing code>-<code>`, e.g. region-VpcEndpoint-Hours:
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-billing-usage-reports.html
    """

    key: str  # what a CostLine names in price_key
    service_code: str
    usage_type: str
    label: str

    def matches(self, usage_type: str) -> bool:
        """The code itself, or it behind one region billing code (USE1-, EUW2-, EU-...)."""
        return re.fullmatch(rf"(?:[A-Z]{{2,4}}\d*-)?{re.escape(self.usage_type)}", usage_type) is not None


# What each line is scaled by. Service codes as the Price List names them (DescribeServices lists them).
# Usage types from AWS's billing-code pages: VpcEndpoint-Hours and PublicIPv4:InUseAddress,
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-billing-usage-reports.html; LoadBalancerUsage,
# https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/load-balancer-billing-usage-reports.html
# The Fargate, Lambda, RDS and NAT codes are not on an AWS page found here: a probe the price list does
# not answer is named in the estimate's note and its lines take the overall factor, never a guessed one.
PROBES: dict[str, PriceProbe] = {
    probe.key: probe
    for probe in (
        PriceProbe("fargate", "AmazonECS", "Fargate-vCPU-Hours:perCPU", "Fargate vCPU-hour"),
        PriceProbe("lambda", "AWSLambda", "Lambda-GB-Second", "Lambda GB-second"),
        PriceProbe("vpc-endpoint", "AmazonVPC", "VpcEndpoint-Hours", "interface endpoint hour"),
        PriceProbe("public-ipv4", "AmazonVPC", "PublicIPv4:InUseAddress", "public IPv4 hour"),
        PriceProbe("load-balancer", "AWSELB", "LoadBalancerUsage", "load balancer hour"),
        PriceProbe("nat", "AmazonEC2", "NatGateway-Hours", "NAT gateway hour"),
    )
}
GLOBAL = "global"  # a line priced the same wherever the stack is (CloudFront): never scaled


def rds_probe(db_instance_class: str) -> PriceProbe:
    """The database instance's hour (usage type InstanceUsage:<class>)."""
    return PriceProbe("rds", "AmazonRDS", f"InstanceUsage:{db_instance_class}", f"{db_instance_class} hour")


def probes_for(keys: Iterable[str], db_instance_class: str) -> list[PriceProbe]:
    """The probes that price lines naming `keys` (each once, in a stable order)."""
    wanted = set(keys)
    probes = [probe for key, probe in PROBES.items() if key in wanted]
    if "rds" in wanted:
        probes.append(rds_probe(db_instance_class))
    return probes


@dataclass
class RegionFactors:
    """How `region`'s prices compare with us-east-1's, product by product, as measured now."""

    region: str
    factors: dict[str, float] = field(default_factory=dict)  # probe key -> region price / us-east-1 price
    labels: dict[str, str] = field(default_factory=dict)  # probe key -> what was compared
    not_found: list[str] = field(default_factory=list)  # probes the price list did not answer
    unavailable: str = ""  # why the API could not be asked at all

    @property
    def home(self) -> bool:
        return self.region == PRICE_REGION

    @property
    def measured(self) -> bool:
        return self.home or bool(self.factors)


def unavailable(region: str, reason: str) -> RegionFactors:
    return RegionFactors(region=region, unavailable=reason)


def measure_region_factors(
    client: Callable[[], Any], region: str, probes: Iterable[PriceProbe]
) -> RegionFactors:
    """Ask the price list for each probe in `region` and in us-east-1; `client` makes the pricing client
    (only called outside us-east-1). Stops at the first refusal or network error and says why."""
    result = RegionFactors(region=region)
    if result.home:
        return result
    try:
        pricing = client()
        for probe in probes:
            here = lowest_price(pricing, probe, region)
            there = lowest_price(pricing, probe, PRICE_REGION)
            if here is None or there is None:
                result.not_found.append(probe.label)
                continue
            result.factors[probe.key] = here / there
            result.labels[probe.key] = probe.label
    except ClientError as exc:
        denied = error_code(exc) in DENIED_CODES
        return unavailable(
            region,
            "this identity may not call pricing:GetProducts"
            if denied
            else f"the AWS Price List API refused ({aws_error_message(exc)})",
        )
    except BotoCoreError as exc:
        return unavailable(region, f"the AWS Price List API could not be reached ({aws_error_message(exc)})")
    return result


def lowest_price(pricing: Any, probe: PriceProbe, region: str) -> float | None:
    """The lowest first-tier on-demand USD price of the probe's products in `region`, or None.

    GetProducts returns each product as a JSON string with `product.attributes` and
    `terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD` (tiers start at `beginRange`):
    https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html and
    https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-service-price-list-file-for-services.html
    """
    response = pricing.get_products(
        ServiceCode=probe.service_code,
        FormatVersion="aws_v1",
        MaxResults=100,
        Filters=[
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            # CONTAINS: the region billing code in front differs per region.
            {"Type": "CONTAINS", "Field": "usagetype", "Value": probe.usage_type},
        ],
    )
    prices: list[float] = []
    for item in response.get("PriceList", []):
        product = json.loads(item)
        if not probe.matches(str(product.get("product", {}).get("attributes", {}).get("usagetype", ""))):
            continue  # e.g. a Spot or ARM variant whose code merely contains this one
        for term in product.get("terms", {}).get("OnDemand", {}).values():
            for dimension in term.get("priceDimensions", {}).values():
                if str(dimension.get("beginRange", "0")) not in {"0", "0.0"}:
                    continue  # a later volume tier
                usd = float(dimension.get("pricePerUnit", {}).get("USD") or 0)
                if usd > 0:
                    prices.append(usd)
    return min(prices) if prices else None
