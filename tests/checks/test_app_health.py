"""App health: a user learns whether the app answers /api/health, and what it says when it is not well."""

from __future__ import annotations

import pytest
from checks_fakes import StubbedSession, Web, describe_stack, failed, outputs

from storyanalytics.checks import StackChecker


@pytest.mark.parametrize("state", ["ok", "healthy"])
def test_a_healthy_app_passes_with_what_it_reports(
    checker: StackChecker, healthy_stack: None, web: Web, state: str
) -> None:
    web.answer("/api/health", 200, {"status": state, "database": "ok"})
    result = checker.app_health()
    assert result.passed and result.detail == f"{web.url}/api/health answered 200 ({state})"


def test_an_app_answering_200_without_a_status_passes(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 200, {"database": "ok"})
    assert checker.app_health().detail == f"{web.url}/api/health answered 200"


def test_an_app_answering_200_with_a_page_that_is_not_json_passes(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 200, b"<html>ok</html>", "text/html")
    result = checker.app_health()
    assert result.passed and result.detail == f"{web.url}/api/health answered 200"


def test_the_health_endpoint_is_asked_for_json(checker: StackChecker, healthy_stack: None, web: Web) -> None:
    web.answer("/api/health", 200, {"status": "ok"})
    checker.app_health()
    [(path, headers)] = web.requests
    assert path == "/api/health" and headers["Accept"] == "application/json"


def test_an_app_answering_503_fails_pointing_to_its_logs(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 503, {"status": "unavailable", "database": "unreachable"})
    assert failed(checker.app_health()) == f"{web.url}/api/health answered HTTP 503; see the service's logs"


def test_an_app_reporting_a_bad_status_fails_naming_it(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 200, {"status": "degraded"})
    assert failed(checker.app_health()) == f"{web.url}/api/health reports status 'degraded'"


def test_an_app_that_does_not_answer_fails_naming_the_address(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, AppUrl="http://127.0.0.1:9"))
    assert (
        failed(checker.app_health())
        == "cannot reach http://127.0.0.1:9/api/health: [Errno 111] Connection refused"
    )


def test_an_app_that_hangs_fails_once_the_timeout_passes(
    aws: StubbedSession, web: Web, healthy_stack: None
) -> None:
    web.hang("/api/health", 1.5)
    checker = StackChecker("eu-west-1", "sa-checks", session=aws, http_timeout=0.2)  # type: ignore[arg-type]
    assert failed(checker.app_health()) == f"cannot reach {web.url}/api/health: timed out"


def test_an_app_url_without_a_scheme_is_reached_over_https(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, AppUrl="abc.eu-west-1.awsapprunner.com/"))
    assert checker.app_url == "https://abc.eu-west-1.awsapprunner.com"


def test_an_https_app_url_is_kept_as_it_is_without_its_trailing_slash(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, AppUrl="https://app.example.org/chartsX/"))
    assert checker.app_url == "https://app.example.org/chartsX"


def test_an_app_url_keeps_its_scheme_and_loses_its_trailing_slash(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, AppUrl=web.url + "/"))
    assert checker.app_url == web.url


def test_a_stack_without_an_app_url_fails_telling_to_redeploy(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, AppUrl=None))
    assert (
        failed(checker.app_health())
        == "stack 'sa-checks' has no output AppUrl: redeploy it with this version"
    )
