"""Every AWS SDK error becomes one sentence that says what to do, without request ids or tracebacks."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from storyanalytics.deploy.errors import DeployError, DeployTimeout, aws_error_message, error_code

CREDENTIALS = (
    "no AWS credentials were found: run `aws configure` (or `aws sso login`) or set AWS_PROFILE, "
    "then try again"
)


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (NoCredentialsError(), CREDENTIALS),
        (PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), CREDENTIALS),
        (NoRegionError(), "no AWS region is set: pass --region (for example --region us-east-1)"),
        (
            EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com/"),
            "could not reach AWS at https://cloudformation.us-east-1.amazonaws.com/: check the network",
        ),
        (
            ClientError({"Error": {"Code": "Throttling", "Message": " Rate exceeded. "}}, "X"),
            "Throttling: Rate exceeded",
        ),
        (ClientError({"Error": {"Code": "AccessDenied", "Message": ""}}, "X"), "AccessDenied"),
        (ClientError({"Error": {"Message": "Oops"}}, "X"), "Error: Oops"),
        (ClientError({}, "X"), "Error"),
        (RuntimeError("first line:\nsecond line"), "first line"),
        (RuntimeError(""), "RuntimeError"),
    ],
    ids=[
        "no-credentials", "partial-credentials", "no-region", "unreachable", "client-error",
        "code-only", "message-only", "empty-response", "other", "other-empty",
    ],
)  # fmt: skip
def test_aws_errors_read_as_one_sentence(error: BaseException, sentence: str) -> None:
    assert aws_error_message(error) == sentence


def test_error_code_of_a_client_error_and_of_anything_else() -> None:
    assert error_code(ClientError({"Error": {"Code": "NoSuchBucket"}}, "X")) == "NoSuchBucket"
    assert error_code(ClientError({}, "X")) == ""
    assert error_code(RuntimeError("NoSuchBucket")) == ""


def test_errors_carry_their_extra_lines() -> None:
    assert DeployError("x").details == []
    assert DeployError("x", details=["a", "b"]).details == ["a", "b"]
    assert DeployTimeout("x").in_progress == []
    assert DeployTimeout("x", in_progress=["Database (AWS::RDS::DBInstance)"]).in_progress == [
        "Database (AWS::RDS::DBInstance)"
    ]
    assert str(DeployTimeout("took too long")) == "took too long"
