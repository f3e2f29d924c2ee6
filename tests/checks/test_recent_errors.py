"""Recent errors: a user learns whether the service logged errors in the last hour, with examples."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from checks_fakes import (
    LOG_GROUP,
    StubbedSession,
    Web,
    describe_stack,
    failed,
    outputs,
    resource,
    stack_resources,
)

from storyanalytics.checks import StackChecker

NOW = 1_777_000_000.0
SINCE = int((NOW - 3600) * 1000)


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storyanalytics.checks.stack.time.time", lambda: NOW)


def _logs(aws: StubbedSession, *messages: str, group: str = LOG_GROUP, more: bool = False) -> None:
    """One page of FilterLogEvents (CloudWatch Logs API reference: FilterLogEvents, FilteredLogEvent)."""
    page: dict[str, Any] = {
        "events": [{"timestamp": SINCE + i, "message": message} for i, message in enumerate(messages)]
    }
    if more:
        page["nextToken"] = "page-2"
    aws.stub("logs").add_response("filter_log_events", page, {"logGroupName": group, "startTime": SINCE})


def test_a_quiet_service_passes_counting_the_lines_read(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    _logs(aws, "GET /api/health 200", 'INFO "GET /embed/x HTTP/1.1" 404 12', "an error was handled")
    result = checker.recent_errors()
    assert result.passed and result.detail == "no errors in the last 60 minutes (3 log lines read)"


@pytest.mark.parametrize(
    "line",
    [
        "ERROR cannot reach the database",
        "CRITICAL out of memory",
        "Traceback (most recent call last):",
        '10.0.0.1 - "GET /api/charts HTTP/1.1" 502 0',
    ],
)
def test_an_error_line_fails_quoting_it(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, line: str
) -> None:
    _logs(aws, "INFO started", line)
    assert failed(checker.recent_errors()) == (
        f"1 error line(s) in the service's logs in the last 60 minutes, e.g. {line}"
    )


def test_a_page_without_events_reads_as_no_lines(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # events is optional in FilterLogEvents' answer (botocore's CloudWatch Logs model).
    aws.stub("logs").add_response("filter_log_events", {}, {"logGroupName": LOG_GROUP, "startTime": SINCE})
    assert checker.recent_errors().detail == "no errors in the last 60 minutes (0 log lines read)"


def test_many_error_lines_are_counted_and_three_quoted(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    _logs(aws, *(f"  ERROR number {n}  " for n in range(5)))
    assert failed(checker.recent_errors()) == (
        "5 error line(s) in the service's logs in the last 60 minutes, "
        "e.g. ERROR number 0 | ERROR number 1 | ERROR number 2"
    )


def test_a_long_error_line_is_cut_to_200_characters(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    _logs(aws, "ERROR " + "x" * 300)
    assert failed(checker.recent_errors()).endswith("e.g. ERROR " + "x" * 194)


def test_every_page_of_the_last_hour_is_read(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    _logs(aws, "INFO one", more=True)
    aws.stub("logs").add_response(
        "filter_log_events",
        {"events": [{"timestamp": SINCE, "message": "ERROR on page two"}]},
        {"logGroupName": LOG_GROUP, "startTime": SINCE, "nextToken": "page-2"},
    )
    assert failed(checker.recent_errors()).endswith("e.g. ERROR on page two")


def test_at_most_5000_lines_are_read(checker: StackChecker, healthy_stack: None, aws: StubbedSession) -> None:
    _logs(aws, *(["INFO busy"] * 5000), more=True)  # a next page would be unscripted and fail the check
    assert checker.recent_errors().detail == "no errors in the last 60 minutes (5000 log lines read)"


def test_a_missing_log_group_fails_saying_nothing_was_logged_yet(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # FilterLogEvents on an unknown group: ResourceNotFoundException (API reference, "Errors").
    aws.stub("logs").add_client_error("filter_log_events", "ResourceNotFoundException", "does not exist", 400)
    assert failed(checker.recent_errors()) == (
        f"log group {LOG_GROUP} does not exist: the service has not logged anything yet"
    )


def test_logs_that_cannot_be_read_fail_with_aws_reason(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    aws.stub("logs").add_client_error("filter_log_events", "AccessDeniedException", "not authorized", 400)
    assert failed(checker.recent_errors()) == "AccessDeniedException: not authorized"


def test_a_logs_error_without_details_still_reads_cleanly(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = aws.client("logs")

    class FailingPages:
        def paginate(self, **_: Any) -> Any:
            raise ClientError({}, "FilterLogEvents")  # type: ignore[arg-type]
            yield  # a generator, like botocore's page iterator

    monkeypatch.setattr(logs, "get_paginator", lambda name: FailingPages())
    assert failed(checker.recent_errors()) == "Error"


def test_without_a_log_group_output_the_stacks_log_groups_are_read(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, LogGroupName=None))
    stack_resources(
        aws,
        resource("Service", "AWS::Lambda::Function"),
        resource("AppLogs", "AWS::Logs::LogGroup", PhysicalResourceId="/aws/lambda/app"),
        resource("JobLogs", "AWS::Logs::LogGroup", PhysicalResourceId="/aws/lambda/job"),
    )
    _logs(aws, "INFO a", group="/aws/lambda/app")
    _logs(aws, "INFO b", "INFO c", group="/aws/lambda/job")
    assert checker.recent_errors().detail == "no errors in the last 60 minutes (3 log lines read)"


def test_a_stack_without_any_log_group_fails(checker: StackChecker, aws: StubbedSession, web: Web) -> None:
    describe_stack(aws, outputs(web, LogGroupName=None))
    stack_resources(aws, resource("Service", "AWS::Lambda::Function"))
    assert failed(checker.recent_errors()) == "stack 'sa-checks' has no log group for the service"
