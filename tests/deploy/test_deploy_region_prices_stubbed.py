"""The estimate outside us-east-1: each line scaled by the region factor the AWS Price List Query API
gives for its product; when the API may not be asked or cannot be reached, us-east-1 prices and a note
saying why. GetProducts answers are shaped as its API reference and the price list file format say
(each PriceList item a JSON string: product.attributes, terms.OnDemand...priceDimensions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from deploy_fakes import RecordingRunner

from storyanalytics.deploy import AwsDeployment, estimate_cost
from storyanalytics.deploy.price_list import (
    PROBES,
    PriceProbe,
    RegionFactors,
    lowest_price,
    measure_region_factors,
    probes_for,
)

AWAY = "eu-west-1"


def _item(usage_type: str, *tiers: tuple[str, str]) -> str:
    """One GetProducts PriceList entry: tiers are (beginRange, USD)."""
    dimensions = {
        f"SKU.JRTCKXETXF.{index}": {"beginRange": begin, "unit": "Hrs", "pricePerUnit": {"USD": usd}}
        for index, (begin, usd) in enumerate(tiers)
    }
    return json.dumps(
        {
            "product": {"sku": "SKU", "attributes": {"usagetype": usage_type}},
            "terms": {"OnDemand": {"SKU.JRTCKXETXF": {"sku": "SKU", "priceDimensions": dimensions}}},
        }
    )


def _request(probe: PriceProbe, region: str) -> dict[str, Any]:
    return {
        "ServiceCode": probe.service_code,
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "CONTAINS", "Field": "usagetype", "Value": probe.usage_type},
        ],
    }


@pytest.fixture
def pricing() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("pricing", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _answer(stubber: Stubber, probe: PriceProbe, away_usd: str, home_usd: str) -> None:
    for region, usd, prefix in ((AWAY, away_usd, "EUW1-"), ("us-east-1", home_usd, "USE1-")):
        items = [_item(prefix + probe.usage_type, ("0", usd))] if usd else []
        stubber.add_response(
            "get_products", {"FormatVersion": "aws_v1", "PriceList": items}, _request(probe, region)
        )


def test_the_factor_is_the_region_price_over_the_us_east_1_price(pricing: tuple[Any, Stubber]) -> None:
    client, stubber = pricing
    _answer(stubber, PROBES["vpc-endpoint"], "0.011", "0.01")
    factors = measure_region_factors(lambda: client, AWAY, [PROBES["vpc-endpoint"]])
    assert factors.factors == {"vpc-endpoint": pytest.approx(1.1)}


def test_spot_variants_and_later_tiers_are_not_taken(pricing: tuple[Any, Stubber]) -> None:
    client, stubber = pricing
    probe = PROBES["fargate"]
    items = [
        _item("EUW1-SpotUsage:Fargate-vCPU-Hours:perCPU", ("0", "0.01")),
        _item("EUW1-Fargate-vCPU-Hours:perCPU", ("0", "0.04456"), ("6000000000", "0.001")),
    ]
    stubber.add_response(
        "get_products", {"FormatVersion": "aws_v1", "PriceList": items}, _request(probe, AWAY)
    )
    assert lowest_price(client, probe, AWAY) == pytest.approx(0.04456)


def test_us_east_1_asks_nothing() -> None:
    def no_client() -> Any:
        raise AssertionError("the price list was asked for us-east-1")

    factors = measure_region_factors(no_client, "us-east-1", PROBES.values())
    assert factors.home and not factors.unavailable


def test_lines_take_their_own_factor_and_the_rest_the_overall_one() -> None:
    factors = RegionFactors(
        region=AWAY, factors={"lambda": 1.2, "rds": 1.1}, labels={"lambda": "x", "rds": "y"}
    )
    plain = estimate_cost(region=AWAY, compute="lambda", cpu="256", memory="1024", compare=False)
    scaled = estimate_cost(
        region=AWAY, compute="lambda", cpu="256", memory="1024", compare=False, factors=factors
    )
    before = {line.part: line.monthly_usd for line in plain.lines}
    after = {line.part: line for line in scaled.lines}
    rds = "RDS PostgreSQL db.t4g.micro"
    assert (
        after[rds].monthly_usd == pytest.approx(before[rds] * 1.1, abs=0.01) and "x1.10" in after[rds].basis
    )
    overall = scaled.region_factor
    assert overall is not None and 1.1 <= overall <= 1.2
    assert after["S3 bucket"].monthly_usd == pytest.approx(before["S3 bucket"] * overall, abs=0.01)
    assert f"region factor {overall:.2f} overall" in scaled.note


def test_cloudfront_is_not_scaled_by_the_stack_region() -> None:
    factors = RegionFactors(region=AWAY, factors={"rds": 1.5}, labels={"rds": "y"})
    plain = estimate_cost(region=AWAY, compute="lambda", cpu="256", memory="1024", edge=True, compare=False)
    scaled = estimate_cost(
        region=AWAY, compute="lambda", cpu="256", memory="1024", edge=True, compare=False, factors=factors
    )
    part = "CloudFront (published charts)"
    assert [line.basis for line in scaled.lines if line.part == part] == [
        line.basis for line in plain.lines if line.part == part
    ]


def test_a_product_the_price_list_does_not_answer_is_named(pricing: tuple[Any, Stubber]) -> None:
    client, stubber = pricing
    _answer(stubber, PROBES["lambda"], "", "0.0000166667")
    _answer(stubber, PROBES["vpc-endpoint"], "0.011", "0.01")
    factors = measure_region_factors(lambda: client, AWAY, [PROBES["lambda"], PROBES["vpc-endpoint"]])
    estimate = estimate_cost(region=AWAY, compute="ecs-express", cpu="256", memory="512", factors=factors)
    assert "not in the price list: Lambda GB-second" in estimate.note


def test_a_denied_price_list_keeps_us_east_1_prices_and_says_why(pricing: tuple[Any, Stubber]) -> None:
    client, stubber = pricing
    stubber.add_client_error("get_products", "AccessDeniedException", "not authorized", 400)
    factors = measure_region_factors(lambda: client, AWAY, [PROBES["lambda"]])
    plain = estimate_cost(region=AWAY, compute="lambda", cpu="256", memory="1024")
    estimate = estimate_cost(region=AWAY, compute="lambda", cpu="256", memory="1024", factors=factors)
    assert estimate.total == plain.total and estimate.region_factor is None
    assert "may not call pricing:GetProducts" in estimate.note and "region factor is unknown" in estimate.note


def test_an_unreachable_price_list_keeps_us_east_1_prices_and_says_why() -> None:
    offline = boto3.client(
        "pricing",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1),
    )
    factors = measure_region_factors(lambda: offline, AWAY, [PROBES["lambda"]])
    estimate = estimate_cost(region=AWAY, compute="lambda", cpu="256", memory="1024", factors=factors)
    assert "could not be reached" in estimate.note and "not scaled for eu-west-1" in estimate.note


def test_the_deploy_estimate_asks_the_price_list_for_every_priced_product(
    pricing: tuple[Any, Stubber], project_dir: Path
) -> None:
    client, stubber = pricing
    deployment = AwsDeployment(
        AWAY, compute="lambda", runner=RecordingRunner(), project_dir=project_dir, clients={"pricing": client}
    )
    keys = {"lambda", "fargate", "vpc-endpoint", "public-ipv4", "load-balancer", "rds"}
    for probe in probes_for(keys, "db.t4g.micro"):
        _answer(stubber, probe, "0.0121", "0.011")
    estimate = deployment.estimate_cost()
    assert estimate.region_factor == pytest.approx(1.1)
    assert "scaled to eu-west-1" in estimate.note
    assert estimate.alternatives["ecs-express"].region_factor == pytest.approx(1.1)


def test_an_emulator_endpoint_is_not_asked_for_prices(project_dir: Path) -> None:
    deployment = AwsDeployment(
        AWAY,
        compute="lambda",
        runner=RecordingRunner(),
        project_dir=project_dir,
        endpoint_url="http://127.0.0.1:9",
    )
    assert "has no price list" in deployment.estimate_cost().note
