"""The estimate names what ECS Express really costs: interface endpoints per AZ, the alarms Express
makes, public IPv4 only where an address exists, and the region factor outside us-east-1."""

from __future__ import annotations

import pytest

from storyanalytics.deploy import estimate_cost


def _parts(**kwargs: object) -> dict[str, float]:
    estimate = estimate_cost(region="us-east-1", compute="ecs-express", cpu="256", memory="512", **kwargs)  # type: ignore[arg-type]
    return {line.part: line.monthly_usd for line in estimate.lines}


def test_interface_endpoints_are_priced_per_az_hour() -> None:
    one_az = _parts()["VPC interface endpoints"]
    two_azs = _parts(settings={"EndpointAzCount": "2"})["VPC interface endpoints"]
    assert one_az == pytest.approx(4 * 0.01 * 730 + 5 * 0.01, abs=0.01)
    assert two_azs - one_az == pytest.approx(4 * 0.01 * 730, abs=0.01)


def test_express_alarms_are_priced() -> None:
    assert _parts()["CloudWatch alarms (made by Express)"] == pytest.approx(0.30)


def test_only_the_load_balancer_has_public_addresses_under_express() -> None:
    estimate = estimate_cost(region="us-east-1", compute="ecs-express", cpu="256", memory="512")
    (line,) = [line for line in estimate.lines if line.part == "Public IPv4 addresses"]
    assert line.monthly_usd == pytest.approx(2 * 0.005 * 730, abs=0.01) and "tasks have none" in line.basis


def test_apprunner_has_no_endpoint_or_public_address_lines() -> None:
    estimate = estimate_cost(region="us-east-1", compute="apprunner", cpu="1024", memory="2048")
    parts = {line.part for line in estimate.lines}
    assert not parts & {"VPC interface endpoints", "Public IPv4 addresses"}


def test_region_factor_is_stated() -> None:
    home = estimate_cost(region="us-east-1", compute="ecs-express", cpu="256", memory="512")
    away = estimate_cost(region="ap-south-1", compute="ecs-express", cpu="256", memory="512")
    assert "region factor 1.00" in home.note
    assert "not scaled for ap-south-1" in away.note and "region factor is unknown" in away.note
