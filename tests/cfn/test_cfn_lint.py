"""Both templates pass cfn-lint with zero errors and zero warnings, for every Compute value."""

from __future__ import annotations

import pytest
from cfn_template_helpers import SAMPLE_IMAGE_URI, template_path
from cfnlint.api import ManualArgs, lint_file

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]


def _findings(name: str, parameters: dict[str, str] | None = None) -> list[str]:
    config = ManualArgs(regions=REGIONS, parameters=[parameters] if parameters else [])
    return [str(match) for match in lint_file(template_path(name), config)]


def test_bootstrap_template_has_no_cfn_lint_findings() -> None:
    assert _findings("bootstrap") == []


def test_app_template_has_no_cfn_lint_findings_across_all_conditions() -> None:
    assert _findings("app") == []


@pytest.mark.parametrize("compute", ["lambda", "ecs-express", "apprunner"])
@pytest.mark.parametrize("enable_nat", ["false", "true"])
def test_app_template_has_no_cfn_lint_findings_for_each_compute(compute: str, enable_nat: str) -> None:
    parameters = {
        "ImageUri": SAMPLE_IMAGE_URI,
        "Compute": compute,
        "AdminEmail": "admin@example.org",
        "EnableNat": enable_nat,
    }
    assert _findings("app", parameters) == []


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {
            "DomainName": "charts.example.org",
            "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123",
            "HostedZoneId": "Z0123456789ABCDEFGHIJ",
        },
    ],
    ids=["cloudfront-domain", "custom-domain"],
)
def test_edge_template_has_no_cfn_lint_findings(parameters: dict[str, str]) -> None:
    assert _findings("edge", parameters or None) == []
