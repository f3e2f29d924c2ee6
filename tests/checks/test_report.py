"""The report: every check in a fixed order, shown as a table with the count passed, raising with each
failed check's reason so a notebook run fails."""

from __future__ import annotations

import io
from typing import Any

import pytest
from checks_fakes import (
    REGION,
    STACK,
    T0,
    TLS_ONLY,
    Refusing,
    StubbedSession,
    Web,
    describe_stack,
    outputs,
    resource,
    s3_bucket_policy,
    s3_encrypted_bucket,
    s3_finds_bucket,
    s3_no_bucket_policy,
    s3_private_bucket,
    stack_resources,
)
from rich.console import Console

from storyanalytics.checks import CheckReport, CheckResult, StackChecker, StackCheckFailed, check_stack

NAMES = [
    "Stack status",
    "App health",
    "Bucket exists",
    "Bucket private",
    "Bucket encrypted",
    "Database",
    "Service",
    "Recent errors",
    "Published charts (CDN)",
]


def _healthy_deployment(aws: StubbedSession, web: Web, *, private_shown: bool = False) -> None:
    """Every AWS answer and page of a healthy deployment, in the order the report asks for them (without
    the Bucket private ones when that check was shown before)."""
    describe_stack(aws, outputs(web))
    web.answer("/api/health", 200, {"status": "ok", "database": "ok"})
    s3_finds_bucket(aws)
    if not private_shown:
        s3_private_bucket(aws)
        s3_no_bucket_policy(aws)
    s3_encrypted_bucket(aws, "AES256")
    s3_bucket_policy(aws, TLS_ONLY)
    stack_resources(aws, resource("Service", "AWS::ECS::ExpressGatewayService"))
    aws.stub("ecr").add_response("describe_images", {"imageDetails": []})
    aws.stub("logs").add_response("filter_log_events", {"events": [{"timestamp": 1, "message": "INFO ok"}]})
    edge = {
        "StackName": f"{STACK}-edge",
        "CreationTime": T0,
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [
            {"OutputKey": "PublicUrl", "OutputValue": web.url},
            {"OutputKey": "EdgeBucketName", "OutputValue": "edge-files"},
        ],
    }
    aws.stub("cloudformation").add_response("describe_stacks", {"Stacks": [edge]})
    aws.stub("s3").add_response("list_objects_v2", {"KeyCount": 0})
    web.answer("/embed.js", 200, b"/* embed */", "text/javascript")


def test_a_healthy_deployment_passes_every_check_in_order(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    _healthy_deployment(aws, web)
    report = checker.report()
    assert [(r.name, r.status) for r in report.results] == [(name, "PASS") for name in NAMES]
    assert report.passed and report.failures == []
    report.raise_for_failures()


def test_the_report_reuses_a_result_already_shown(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    _healthy_deployment(aws, web, private_shown=True)
    shown = CheckResult("Bucket private", False, "shown before")
    checker.results["Bucket private"] = shown
    report = checker.report()
    assert report.results[3] is shown
    assert [r.name for r in report.failures] == ["Bucket private"]


def test_check_stack_checks_the_named_stack_in_the_given_region(
    monkeypatch: pytest.MonkeyPatch, database_at_head: str
) -> None:
    sessions: list[Any] = []

    class RefusingSession:
        """Every AWS call is refused: only the database, reached directly, can pass."""

        def __init__(self, region_name: str) -> None:
            self.region_name = region_name
            self.asked: list[dict[str, Any]] = []
            sessions.append(self)

        def client(self, service: str, **options: Any) -> Any:
            self.asked.append(options)
            return Refusing({"Error": {"Code": "AccessDenied", "Message": "no"}})

    monkeypatch.setattr("storyanalytics.checks.stack.boto3.session.Session", RefusingSession)
    report = check_stack(
        REGION, "other-stack", endpoint_url="http://127.0.0.1:5000", database_url=database_at_head
    )
    assert report.stack_name == "other-stack"
    assert [r.name for r in report.results if r.passed] == ["Database"]
    assert report.results[0].detail == "cannot read stack 'other-stack': AccessDenied: no"
    [session] = sessions
    assert session.region_name == REGION
    assert {(o["region_name"], o["endpoint_url"]) for o in session.asked} == {
        (REGION, "http://127.0.0.1:5000")
    }


def test_check_stack_defaults_to_the_story_analytics_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    class RefusingSession:
        def __init__(self, region_name: str) -> None:
            pass

        def client(self, service: str, **options: Any) -> Any:
            return Refusing({"Error": {"Code": "AccessDenied", "Message": "no"}})

    monkeypatch.setattr("storyanalytics.checks.stack.boto3.session.Session", RefusingSession)
    report = check_stack(REGION)
    assert report.stack_name == "story-analytics"
    assert report.results[0].detail == "cannot read stack 'story-analytics': AccessDenied: no"


# --- the report itself -------------------------------------------------------------------------------
def test_an_empty_report_has_not_passed_and_raises() -> None:
    report = CheckReport("s")
    assert not report.passed
    with pytest.raises(StackCheckFailed, match=r"^no checks ran against stack s\.$"):
        report.raise_for_failures()


def test_a_report_with_one_failure_has_not_passed() -> None:
    report = CheckReport("s", [CheckResult("a", True, ""), CheckResult("b", False, "x")])
    assert not report.passed
    assert report.failures == [CheckResult("b", False, "x")]


def test_a_report_with_every_check_passed_does_not_raise() -> None:
    report = CheckReport("s", [CheckResult("a", True, ""), CheckResult("b", True, "")])
    assert report.passed
    report.raise_for_failures()


def test_a_report_with_failures_raises_naming_each_with_its_reason() -> None:
    report = CheckReport(
        "s",
        [
            CheckResult("Stack status", True, "ok"),
            CheckResult("Bucket private", False, "no public access block"),
            CheckResult("Bucket encrypted", False, "no default encryption"),
        ],
    )
    with pytest.raises(StackCheckFailed) as caught:
        report.raise_for_failures()
    assert str(caught.value) == (
        "2 of 3 checks of stack s failed: Bucket private: no public access block; "
        "Bucket encrypted: no default encryption"
    )


def test_rows_are_name_verdict_and_detail() -> None:
    report = CheckReport("s", [CheckResult("a", True, "fine"), CheckResult("b", False, "broken")])
    assert report.rows() == [("a", "PASS", "fine"), ("b", "FAIL", "broken")]


def test_a_check_reads_as_its_verdict() -> None:
    assert str(CheckResult("Bucket private", True, "blocked")) == "PASS  Bucket private: blocked"


def test_the_table_shows_each_verdict_and_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    CheckReport(
        "s", [CheckResult("Stack status", True, "ok"), CheckResult("Bucket private", False, "no")]
    ).show()
    text = capsys.readouterr().out
    assert "Checks of stack s" in text
    assert "| Bucket private " in text and "FAIL" in text
    assert text.rstrip().endswith("1 of 2 checks passed.")


def test_report_table_colours_pass_green_and_fail_red() -> None:
    report = CheckReport(
        "s", [CheckResult("Stack status", True, "ok"), CheckResult("Bucket private", False, "no")]
    )
    shown = io.StringIO()
    Console(file=shown, force_terminal=True, color_system="standard", width=100).print(report.table())
    assert "\x1b[32mPASS" in shown.getvalue()
    assert "\x1b[1;31mFAIL" in shown.getvalue()


def test_report_table_keeps_names_whole_and_shows_details_literally(
    capsys: pytest.CaptureFixture[str],
) -> None:
    long = "the app reports [bold]x[/] :warning: " + "and more " * 30
    report = CheckReport("s", [CheckResult("Bucket encrypted", False, long)])
    report.show()
    text = capsys.readouterr().out
    assert "Bucket encrypted" in text and "FAIL" in text
    assert "[bold]x[/]" in text and ":warning:" in text
    assert "+--" in text  # plain ASCII borders: readable in any terminal and in a saved notebook
    assert max(len(line) for line in text.splitlines()) <= 140
    assert text.rstrip().endswith("0 of 1 checks passed.")


def test_report_table_has_three_columns_one_row_per_check_and_keeps_names_whole() -> None:
    report = CheckReport(
        "s", [CheckResult("Bucket encrypted", False, "word " * 40), CheckResult("Stack status", True, "ok")]
    )
    shown = io.StringIO()
    Console(file=shown, width=44).print(report.table())
    lines = shown.getvalue().splitlines()
    header = next(line for line in lines if line.startswith("|") and "Check" in line)
    assert [cell.strip() for cell in header.strip("|").split("|")] == ["Check", "Result", "Details"]
    assert any("Bucket encrypted" in line and "FAIL" in line for line in lines)
    assert sum(line.startswith("+") or line.startswith("|-") for line in lines) == 3  # no lines between rows


def test_report_shows_plain_text_even_inside_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rich.console._is_jupyter", lambda: True)
    shown = io.StringIO()
    CheckReport("s", [CheckResult("Stack status", True, "x" * 150)]).show(file=shown)
    assert "Stack status" in shown.getvalue()
    assert max(len(line) for line in shown.getvalue().splitlines()) == 140  # wide enough for the reasons


def test_a_check_shows_as_its_verdict_in_a_notebook() -> None:
    shown: list[str] = []
    printer = type("Printer", (), {"text": lambda self, value: shown.append(value)})()
    CheckResult("Bucket private", False, "no public access block")._repr_pretty_(printer, False)
    assert shown == ["FAIL  Bucket private: no public access block"]


def test_extend_adds_results_in_order() -> None:
    report = CheckReport("s", [CheckResult("a", True, "")])
    report.extend([CheckResult("b", False, "x"), CheckResult("c", True, "")])
    assert [r.name for r in report.results] == ["a", "b", "c"]
