"""`story-analytics deploy` through typer's CliRunner: the dry run and the error paths."""

from __future__ import annotations

from typer.testing import CliRunner

from storyanalytics.cli import app


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["deploy", *args])
    return result.exit_code, result.output


def test_dry_run_shows_checks_cost_and_changes(moto_server: str, stack_name: str) -> None:
    code, output = _run(
        "--aws",
        "--dry-run",
        "--region",
        "us-east-1",
        "--stack-name",
        stack_name,
        "--admin-email",
        "admin@example.org",
        "--endpoint-url",
        moto_server,
    )
    assert code == 0, output
    for heading in (
        "Preflight checks",
        "Estimated monthly cost",
        f"Changes to stack {stack_name}",
        "Dry run",
    ):
        assert heading in output


def test_without_aws_flag_says_to_add_it() -> None:
    code, output = _run("--dry-run")
    assert code == 2 and "--aws" in output


def test_wrong_region_is_one_line_and_exit_2(moto_server: str, stack_name: str) -> None:
    code, output = _run(
        "--aws", "--region", "mars-north-1", "--stack-name", stack_name, "--endpoint-url", moto_server
    )
    assert code == 2
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "'mars-north-1' is not an AWS region" in errors[0]
    assert "Traceback" not in output


def test_delete_data_without_destroy_is_refused() -> None:
    code, output = _run("--aws", "--delete-data")
    assert code == 2 and "--destroy" in output


def test_unknown_builder_is_refused() -> None:
    code, output = _run("--aws", "--builder", "podman")
    assert code == 2 and "use auto, local or codebuild" in output


def test_unknown_compute_is_refused() -> None:
    code, output = _run("--aws", "--compute", "fargate")
    assert code == 2 and "lambda, ecs-express or apprunner" in output
