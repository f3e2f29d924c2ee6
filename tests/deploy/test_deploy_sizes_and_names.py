"""A CPU/memory pair or a stack name that cannot work is refused at once, with the valid values,
before any AWS API is called (library, CLI, notebook parameters), and the template's Rules agree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.client import BaseClient
from typer.testing import CliRunner

from storyanalytics.cli import app
from storyanalytics.deploy import AwsDeployment, PreflightError
from storyanalytics.deploy.computes import COMPUTES, SizeError, get_compute
from storyanalytics.deploy.stack_name import check_stack_name
from storyanalytics.deploy.templates import load_template, parse_template
from storyanalytics.runbooks import ParameterError, notebook_path, read_parameters, validate_parameters


class AwsWasCalled(AssertionError):
    """Raised by the stand-in for every AWS API call: these paths must not make one."""


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every botocore client call fails the test (and records the operation)."""
    calls: list[str] = []

    def refuse(self: BaseClient, operation: str, params: dict) -> None:  # type: ignore[type-arg]
        calls.append(operation)
        raise AwsWasCalled(f"AWS was called: {operation}")

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse)
    yield calls
    assert calls == []


def _deploy(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["deploy", "--aws", "--dry-run", "--region", "us-east-1", *args])
    return result.exit_code, result.output


def test_fargate_pair_outside_the_task_size_table_is_refused_with_the_valid_pairs() -> None:
    with pytest.raises(SizeError) as caught:
        get_compute("ecs-express").check_size("256", "4096")
    message = str(caught.value)
    assert "256 CPU with 4096 MiB" in message and "256 CPU with 512, 1024 or 2048 MiB" in message


def test_apprunner_refuses_a_pair_fargate_accepts() -> None:
    get_compute("ecs-express").check_size("1024", "8192")
    with pytest.raises(SizeError, match="1024 CPU with 2048, 3072 or 4096 MiB"):
        get_compute("apprunner").check_size("1024", "8192")


def test_sizes_may_be_written_in_vcpu_and_gb() -> None:
    size = get_compute("apprunner").check_size("0.25 vCPU", "0.5 GB")
    assert (size.cpu, size.memory) == (256, 512)


def test_template_rules_hold_exactly_the_libraries_size_tables() -> None:
    template = parse_template(load_template("app"))
    from_rules: dict[str, dict[int, tuple[int, ...]]] = {}
    for rule in template["Rules"].values():
        compute_condition, cpu_condition = rule["RuleCondition"]
        memories = rule["Assertions"][0]["Assert"][0]
        from_rules.setdefault(compute_condition[1], {})[int(cpu_condition[1])] = tuple(
            int(memory) for memory in memories
        )
    assert from_rules == {name: dict(compute.sizes) for name, compute in COMPUTES.items()}


def test_every_valid_pair_is_allowed_by_the_template_parameters() -> None:
    parameters = parse_template(load_template("app"))["Parameters"]
    for compute in COMPUTES.values():
        for size in compute.valid_pairs:
            assert str(size.cpu) in parameters["Cpu"]["AllowedValues"]
            assert str(size.memory) in parameters["Memory"]["AllowedValues"]


@pytest.mark.parametrize(
    "name",
    ["a" * 41, "abc", "my--stack", "my-stack-", "1stack", "my_stack"],
    ids=["41-chars", "3-chars", "double-hyphen", "trailing-hyphen", "digit-first", "underscore"],
)
def test_stack_name_that_a_derived_name_would_refuse_is_refused(name: str) -> None:
    with pytest.raises(PreflightError, match="--stack-name"):
        check_stack_name(name)


def test_forty_character_stack_name_is_accepted() -> None:
    assert check_stack_name("a" + "-b" * 19 + "c") == "a" + "-b" * 19 + "c"


def test_library_refuses_a_bad_pair_before_any_aws_call(no_aws: list[str]) -> None:
    with pytest.raises(SizeError, match="cannot run on AWS App Runner"):
        AwsDeployment("us-east-1", "story-analytics", "apprunner", cpu="512", memory="2048")


def test_dry_run_with_invalid_cpu_memory_fails_at_once_listing_valid_values(no_aws: list[str]) -> None:
    code, output = _deploy("--compute", "ecs-express", "--cpu", "256", "--memory", "8192")
    assert code == 2
    assert "256 CPU with 8192 MiB" in output and "4096 CPU with 8192, 10240 or 12288 MiB" in output
    assert "Traceback" not in output


def test_dry_run_with_an_over_long_stack_name_fails_at_once(no_aws: list[str]) -> None:
    code, output = _deploy("--stack-name", "story-analytics-for-the-department-of-history")
    assert code == 2
    assert "is 45 characters long; use 4 to 40" in output and "Traceback" not in output


def test_notebook_parameters_refuse_a_pair_the_compute_cannot_run() -> None:
    declared = read_parameters(notebook_path("deploy"))
    with pytest.raises(ParameterError, match="512 CPU with 1024 MiB"):
        validate_parameters(declared, {"compute": "apprunner", "cpu": "512", "memory": "2048"})
    assert validate_parameters(declared, {"cpu": "512", "memory": "2048"}) == {"cpu": "512", "memory": "2048"}


def test_notebook_parameters_refuse_an_over_long_stack_name() -> None:
    declared = read_parameters(notebook_path("deploy"))
    with pytest.raises(ParameterError, match="use 4 to 40"):
        validate_parameters(declared, {"stack_name": "x" * 41})
