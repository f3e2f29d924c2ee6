"""--compute lambda: its sizes, its cost (the whole stack near 20 USD a month) and its concurrency check."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from storyanalytics.deploy.computes import SizeError, get_compute
from storyanalytics.deploy.cost import estimate_cost
from storyanalytics.deploy.preflight import LAMBDA_CONCURRENCY, PreflightReport, _check_lambda


def _estimate(compute: str, memory: str = "1024") -> Any:
    return estimate_cost(region="us-east-1", compute=compute, cpu="256", memory=memory)


def test_whole_lambda_stack_costs_at_most_twenty_dollars_a_month_at_low_traffic() -> None:
    estimate = _estimate("lambda")
    assert estimate.total <= 20.0
    assert all(line.basis for line in estimate.lines)


def test_lambda_stack_has_no_load_balancer_endpoints_or_always_on_compute() -> None:
    parts = [line.part for line in _estimate("lambda").lines]
    assert "Lambda requests" in parts and "Lambda duration" in parts
    assert not any("Load Balancer" in part or "endpoints" in part or "Fargate" in part for part in parts)


def test_lambda_is_the_cheapest_compute() -> None:
    totals = {compute: _estimate(compute).total for compute in ("lambda", "ecs-express", "apprunner")}
    assert min(totals, key=lambda compute: totals[compute]) == "lambda"


def test_lambda_takes_any_cpu_with_memory_up_to_10240_mib() -> None:
    size = get_compute("lambda").check_size("4096", "512")
    assert (size.cpu, size.memory) == (4096, 512)
    with pytest.raises(SizeError, match="10240 MiB"):
        get_compute("lambda").check_size("4096", "12288")


def _lambda_client(unreserved: int, total: int) -> Any:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    # GetAccountSettings response shape: https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
    stubber.add_response(
        "get_account_settings",
        {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": total,
                "UnreservedConcurrentExecutions": unreserved,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
        },
    )
    stubber.activate()
    return client


def test_account_with_room_reserves_ten_instances() -> None:
    report = PreflightReport(region="us-east-1", stack_name="s", compute="lambda")
    _check_lambda(report, lambda service: _lambda_client(1000, 1000))
    assert report.lambda_concurrency == LAMBDA_CONCURRENCY == 10
    assert report.ok


def test_new_account_with_a_quota_of_ten_reserves_none_and_says_the_quota_caps_it() -> None:
    report = PreflightReport(region="us-east-1", stack_name="s", compute="lambda")
    _check_lambda(report, lambda service: _lambda_client(10, 10))
    assert report.lambda_concurrency == 0
    assert report.ok
    assert "quota itself caps" in report.checks[-1].detail


def test_estimate_shows_the_same_stack_on_every_other_compute_side_by_side() -> None:
    estimate = _estimate("lambda")
    assert sorted(estimate.alternatives) == ["apprunner", "ecs-express"]
    for other in estimate.alternatives.values():
        assert other.lines and all(line.basis for line in other.lines)
    assert estimate.alternatives["ecs-express"].total > estimate.total
