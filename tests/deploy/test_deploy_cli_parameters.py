"""Every deploy option, from the command line down to the parameters the app stack's change set gets.

`story-analytics deploy --aws --dry-run` runs against the moto server; the CreateChangeSet requests are
recorded on their way to it. moto has no App Runner API: its one preflight call is answered here.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.client import BaseClient
from typer.testing import CliRunner

from storyanalytics.cli import app

BASE = ("--aws", "--dry-run", "--region", "us-east-1", "--admin-email", "admin@example.org")


@pytest.fixture
def change_sets(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The parameters of every CreateChangeSet sent, keyed by stack name, as the API received them."""
    sent: list[dict[str, Any]] = []
    original = BaseClient._make_api_call

    def record(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "CreateChangeSet":
            sent.append(params)
        if operation == "ListServices" and self.meta.service_model.service_name == "apprunner":
            return {"ServiceSummaryList": []}  # this account may use App Runner
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return sent


def _app_parameters(change_sets: list[dict[str, Any]], stack_name: str) -> dict[str, Any]:
    [request] = [params for params in change_sets if params["StackName"] == stack_name]
    return {item["ParameterKey"]: item.get("ParameterValue") for item in request["Parameters"]}


def _deploy(moto_server: str, stack_name: str, *options: str) -> None:
    args = ["deploy", *BASE, "--stack-name", stack_name, "--endpoint-url", moto_server, *options]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def test_defaults_send_only_the_image_compute_and_admin(
    moto_server: str, stack_name: str, change_sets: list[dict[str, Any]]
) -> None:
    _deploy(moto_server, stack_name)
    parameters = _app_parameters(change_sets, stack_name)
    assert parameters.pop("ImageUri").startswith(
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{stack_name}:"
    )
    assert parameters == {"Compute": "lambda", "AdminEmail": "admin@example.org"}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--cpu", "1024", "--memory", "2048"), {"Cpu": "1024", "Memory": "2048"}),
        (("--db-instance-class", "db.t4g.small"), {"DbInstanceClass": "db.t4g.small"}),
        (("--compute", "apprunner"), {"Compute": "apprunner"}),
        (("--compute", "ecs-express"), {"Compute": "ecs-express"}),
        (("--enable-nat",), {"EnableNat": "true"}),
        (("--no-nat",), {"EnableNat": "false"}),
        (("--endpoint-azs", "2"), {"EndpointAzCount": "2"}),
    ],
    ids=["size", "db-class", "apprunner", "ecs-express", "nat-on", "nat-off", "endpoint-azs"],
)
def test_each_option_reaches_the_stack_parameters(
    moto_server: str,
    stack_name: str,
    change_sets: list[dict[str, Any]],
    options: tuple[str, ...],
    expected: dict[str, str],
) -> None:
    _deploy(moto_server, stack_name, *options)
    parameters = _app_parameters(change_sets, stack_name)
    for key, value in expected.items():
        assert parameters[key] == value
    assert parameters["AdminEmail"] == "admin@example.org"


def test_an_invalid_size_never_reaches_aws(
    moto_server: str, stack_name: str, change_sets: list[dict[str, Any]]
) -> None:
    args = ["deploy", *BASE, "--stack-name", stack_name, "--endpoint-url", moto_server]
    result = CliRunner().invoke(app, [*args, "--compute", "ecs-express", "--cpu", "256", "--memory", "8192"])
    assert result.exit_code == 2, result.output
    assert change_sets == []
