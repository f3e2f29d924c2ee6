"""Stack status: a user learns whether the stack deployed, and what is wrong when it did not or when
the checker cannot read it at all."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from checks_fakes import (
    BUCKET,
    REGION,
    SECRET_ARN,
    STACK,
    StubbedSession,
    Web,
    describe_stack,
    failed,
    outputs,
)

from storyanalytics.checks import StackChecker


@pytest.mark.parametrize("status", ["CREATE_COMPLETE", "UPDATE_COMPLETE"])
def test_a_complete_stack_passes_naming_its_outputs(
    checker: StackChecker, aws: StubbedSession, web: Web, status: str
) -> None:
    describe_stack(aws, outputs(web), status=status)
    result = checker.stack_status()
    assert result.passed and result.name == "Stack status"
    assert result.detail == (
        f"{status}; outputs: AppUrl={web.url}, BucketName={BUCKET}, "
        f"DbEndpoint=sa-checks-db.abc.eu-west-1.rds.amazonaws.com, AdminPasswordSecretArn={SECRET_ARN}"
    )


@pytest.mark.parametrize("status", ["ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS"])
def test_a_stack_that_is_not_complete_fails_with_cloudformations_reason(
    checker: StackChecker, aws: StubbedSession, web: Web, status: str
) -> None:
    describe_stack(aws, outputs(web), status=status, reason="Resource Service failed")
    assert failed(checker.stack_status()) == f"stack {STACK!r} is {status}: Resource Service failed"


def test_a_failed_stack_without_a_reason_points_to_its_events(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web), status="ROLLBACK_COMPLETE")
    assert failed(checker.stack_status()) == (
        f"stack {STACK!r} is ROLLBACK_COMPLETE: see the stack's events in the AWS console"
    )


def test_a_complete_stack_missing_outputs_fails_naming_each(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web, DbEndpoint=None, AdminPasswordSecretArn=""))
    assert failed(checker.stack_status()) == (
        f"stack {STACK!r} is CREATE_COMPLETE but lacks outputs DbEndpoint, AdminPasswordSecretArn"
    )


def test_an_output_without_a_value_counts_as_missing(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    # OutputValue is optional in DescribeStacks' Output (botocore's CloudFormation model).
    describe_stack(aws, outputs(web), without=("AdminPasswordSecretArn",))
    assert failed(checker.stack_status()).endswith("lacks outputs AdminPasswordSecretArn")


def test_a_complete_stack_without_any_output_lacks_them_all(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web), without=("Outputs",))
    assert failed(checker.stack_status()).endswith(
        "lacks outputs AppUrl, BucketName, DbEndpoint, AdminPasswordSecretArn"
    )


def test_a_missing_stack_fails_telling_to_deploy_it_first(checker: StackChecker, aws: StubbedSession) -> None:
    # CloudFormation answers DescribeStacks for an unknown stack with a 400 ValidationError "Stack with id
    # X does not exist" (the raw answer is quoted in boto/boto3#2807).
    aws.stub("cloudformation").add_client_error(
        "describe_stacks",
        "ValidationError",
        f"Stack with id {STACK} does not exist",
        400,
        {"StackName": STACK},
    )
    assert failed(checker.stack_status()) == (
        f"stack {STACK!r} does not exist in {REGION}: deploy it first (notebook 01_deploy) "
        "or check the region and stack name"
    )


def test_a_missing_stack_is_asked_about_once_and_every_check_names_it(
    checker: StackChecker, aws: StubbedSession
) -> None:
    missing = f"Stack with id {STACK} does not exist"
    aws.stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", missing, 400, {"StackName": STACK}
    )
    report = checker.report()  # any second AWS call would be unscripted and fail its check differently
    assert [result.passed for result in report.results] == [False] * len(report.results)
    assert {result.detail for result in report.results} == {
        f"stack {STACK!r} does not exist in {REGION}: deploy it first (notebook 01_deploy) "
        "or check the region and stack name"
    }


def test_a_stack_that_cannot_be_read_fails_with_aws_code_and_message(
    checker: StackChecker, aws: StubbedSession
) -> None:
    aws.stub("cloudformation").add_client_error(
        "describe_stacks", "AccessDenied", "User is not authorized to perform DescribeStacks", 403
    )
    assert failed(checker.stack_status()) == (
        f"cannot read stack {STACK!r}: AccessDenied: User is not authorized to perform DescribeStacks"
    )


def test_an_aws_message_is_shown_whole(checker: StackChecker, aws: StubbedSession) -> None:
    message = "User arn:aws:iam::123456789012:user/X is not authorized on stack sa-checks-X"
    aws.stub("cloudformation").add_client_error("describe_stacks", "AccessDenied", message, 403)
    assert failed(checker.stack_status()) == f"cannot read stack {STACK!r}: AccessDenied: {message}"


def _raising(error: Exception) -> object:
    class Refusing:
        def describe_stacks(self, **_: object) -> object:
            raise error

    return Refusing()


def test_missing_credentials_are_named_with_what_to_run(checker: StackChecker) -> None:
    checker.client = lambda service: _raising(NoCredentialsError())  # type: ignore[method-assign]
    assert failed(checker.stack_status()) == (
        f"cannot read stack {STACK!r}: no AWS credentials found: "
        "run 'aws configure' (or set AWS_PROFILE) and try again"
    )


def test_unreachable_aws_is_named(checker: StackChecker) -> None:
    error = EndpointConnectionError(endpoint_url="https://cloudformation.eu-west-1.amazonaws.com/")
    checker.client = lambda service: _raising(error)  # type: ignore[method-assign]
    assert failed(checker.stack_status()) == (
        f"cannot read stack {STACK!r}: cannot reach AWS (EndpointConnectionError)"
    )


def test_the_stack_is_read_once_for_every_check(checker: StackChecker, aws: StubbedSession, web: Web) -> None:
    describe_stack(aws, outputs(web))
    assert checker.stack_status().passed
    assert checker.stack_status().passed  # a second DescribeStacks would be unscripted and fail


def test_a_check_records_its_result_for_the_report(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    describe_stack(aws, outputs(web))
    result = checker.stack_status()
    assert checker.results == {"Stack status": result}


def test_aws_clients_are_made_for_the_region_and_endpoint_given(aws: StubbedSession) -> None:
    checker = StackChecker(REGION, STACK, endpoint_url="http://127.0.0.1:5000", session=aws)  # type: ignore[arg-type]
    checker.client("s3")
    [(service, options)] = aws.asked
    assert (service, options["region_name"], options["endpoint_url"]) == (
        "s3",
        REGION,
        "http://127.0.0.1:5000",
    )


def test_aws_calls_give_up_on_a_silent_endpoint_and_retry_three_times(aws: StubbedSession) -> None:
    # Without these, botocore waits 60 s to connect and 60 s to read (botocore Config reference), so a
    # check against an AWS outage would hang for minutes instead of failing.
    StackChecker(REGION, STACK, session=aws).client("logs")  # type: ignore[arg-type]
    config = aws.asked[0][1]["config"]
    assert (config.connect_timeout, config.read_timeout) == (5, 30)
    assert config.retries == {"mode": "standard", "max_attempts": 3}


def test_an_empty_endpoint_means_aws_itself(aws: StubbedSession) -> None:
    StackChecker(REGION, STACK, endpoint_url="", session=aws).client("s3")  # type: ignore[arg-type]
    assert aws.asked[0][1]["endpoint_url"] is None


def test_a_checker_without_a_session_uses_the_region_it_is_given() -> None:
    checker = StackChecker("ap-southeast-2")
    assert checker.stack_name == "story-analytics"
    assert checker.client("s3").meta.region_name == "ap-southeast-2"
    assert checker.http_timeout == 10.0
