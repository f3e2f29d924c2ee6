"""Stand-ins for what the stack checks read: AWS behind botocore's Stubber (which validates every
scripted request and response against AWS's own service models, botocore/data), and a loopback HTTP
server for the app and the CDN."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber

REGION = "eu-west-1"
STACK = "sa-checks"
BUCKET = "sa-checks-data"
T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
IMAGE_REPOSITORY = "story-analytics"
IMAGE = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{IMAGE_REPOSITORY}:v42"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:sa-admin-AbCdEf"
LOG_GROUP = "/story-analytics/sa-checks"
# The data bucket's policy as cfn/app.yaml writes it: refuse any request that is not over TLS.
TLS_ONLY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


class StubbedSession:
    """Stands in for a boto3 Session: one Stubber-backed client per service, and a record of the
    options each client was asked for with. A call no test scripted fails the test."""

    def __init__(self) -> None:
        self.stubbers: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str, **options: Any) -> Any:
        self.asked.append((service, options))
        self.stub(service)
        return self.clients[service]

    def stub(self, service: str) -> Stubber:
        if service not in self.stubbers:
            client = boto3.client(service, region_name=REGION)
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        return self.stubbers[service]

    def assert_all_used(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class Web:
    """A loopback server answering each path as told (404 for any other), recording what it was asked."""

    url: str
    answers: dict[str, Answer] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(
        self, path: str, status: int = 200, body: Any = b"", content_type: str = "application/json"
    ) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[path] = Answer(status, raw, content_type)

    def hang(self, path: str, seconds: float) -> None:
        """The path answers only after `seconds` (a stuck app or CDN)."""
        self.answers[path] = Answer(200, b"{}", "application/json", seconds)


def outputs(web: Web, **changes: str | None) -> dict[str, str | None]:
    """The app stack's outputs (cfn/app.yaml); a change to None leaves that output out."""
    return {
        "AppUrl": web.url,
        "BucketName": BUCKET,
        "DbEndpoint": "sa-checks-db.abc.eu-west-1.rds.amazonaws.com",
        "AdminPasswordSecretArn": SECRET_ARN,
        "LogGroupName": LOG_GROUP,
        **changes,
    }


def describe_stack(
    aws: StubbedSession,
    stack_outputs: dict[str, str | None],
    *,
    status: str = "CREATE_COMPLETE",
    reason: str | None = None,
    image: str = IMAGE,
    name: str = STACK,
    without: tuple[str, ...] = (),
) -> None:
    """DescribeStacks as CloudFormation answers it (API reference: DescribeStacks; Stack, Output).
    `without` leaves optional members out (Outputs, Parameters, or an Output's or Parameter's value)."""
    stack: dict[str, Any] = {
        "StackName": name,
        "StackId": f"arn:aws:cloudformation:{REGION}:123456789012:stack/{name}/1",
        "CreationTime": T0,
        "StackStatus": status,
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in stack_outputs.items() if v is not None],
        "Parameters": [{"ParameterKey": "ImageUri", "ParameterValue": image}],
    }
    if reason:
        stack["StackStatusReason"] = reason
    for item in stack["Outputs"] + stack["Parameters"]:
        key, value = (
            ("OutputKey", "OutputValue") if "OutputKey" in item else ("ParameterKey", "ParameterValue")
        )
        if item[key] in without:
            del item[value]
    for member in without:
        stack.pop(member, None)
    aws.stub("cloudformation").add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})


def resource(logical_id: str, kind: str, status: str = "CREATE_COMPLETE", **more: Any) -> dict[str, Any]:
    """One StackResource as DescribeStackResources lists it (API reference: StackResource)."""
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": f"{logical_id.lower()}-physical",
        "ResourceType": kind,
        "ResourceStatus": status,
        "Timestamp": T0,
        **more,
    }


def stack_resources(aws: StubbedSession, *resources: dict[str, Any]) -> None:
    aws.stub("cloudformation").add_response(
        "describe_stack_resources", {"StackResources": list(resources)}, {"StackName": STACK}
    )


class Refusing:
    """A client whose every call fails with the given error response (parts of it may be missing)."""

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response

    def __getattr__(self, operation: str) -> Any:
        def refuse(**_: Any) -> Any:
            raise ClientError(self.response, operation)  # type: ignore[arg-type]

        return refuse


# --- the data bucket, as S3 describes it ------------------------------------------------------------
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
OWNER = {"ID": "abc123", "DisplayName": "owner"}
OWNER_GRANT = {"Grantee": {"Type": "CanonicalUser", "ID": "abc123"}, "Permission": "FULL_CONTROL"}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
BY_BUCKET = {"Bucket": BUCKET}


def s3_finds_bucket(aws: StubbedSession) -> None:
    """HeadBucket finds the bucket."""
    aws.stub("s3").add_response("head_bucket", {}, BY_BUCKET)


def s3_bucket_policy(aws: StubbedSession, *statements: dict[str, Any], single: bool = False) -> None:
    document = {"Version": "2012-10-17", "Statement": statements[0] if single else list(statements)}
    aws.stub("s3").add_response("get_bucket_policy", {"Policy": json.dumps(document)}, BY_BUCKET)


def s3_no_bucket_policy(aws: StubbedSession) -> None:
    aws.stub("s3").add_client_error(
        "get_bucket_policy",
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
        404,
        expected_params=BY_BUCKET,
    )


def s3_private_bucket(
    aws: StubbedSession, block: dict[str, bool] = BLOCK_ALL, grants: list[dict[str, Any]] | None = None
) -> None:
    s3_finds_bucket(aws)
    aws.stub("s3").add_response(
        "get_public_access_block", {"PublicAccessBlockConfiguration": block}, BY_BUCKET
    )
    if block == BLOCK_ALL:
        aws.stub("s3").add_response(
            "get_bucket_acl",
            {"Owner": OWNER, "Grants": [OWNER_GRANT] if grants is None else grants},
            BY_BUCKET,
        )


def s3_encrypted_bucket(aws: StubbedSession, *algorithms: str | None) -> None:
    s3_finds_bucket(aws)
    rules = [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
        if algorithm
        else {"BucketKeyEnabled": True}
        for algorithm in algorithms
    ]
    aws.stub("s3").add_response(
        "get_bucket_encryption", {"ServerSideEncryptionConfiguration": {"Rules": rules}}, BY_BUCKET
    )


def failed(result: Any) -> str:
    """The detail of a check that must have failed."""
    assert not result.passed, result.detail
    return str(result.detail)
