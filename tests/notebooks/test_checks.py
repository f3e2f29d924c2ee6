"""Each stack check passes on a healthy stack and fails, with a clear reason, when its part is broken.

A small stack on the moto server (with the rehearsal's stand-ins), a loopback health endpoint and a
SQLite database stand in for the deployed parts.
"""

from __future__ import annotations

import io
import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from storyanalytics.checks import CheckResult, StackChecker, StackCheckFailed, check_stack
from storyanalytics.db import upgrade
from storyanalytics.rehearsal.standins import install
from storyanalytics.rehearsal.standins.cdn import cloudfront_standin

REGION = "us-east-1"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
TEMPLATE = {
    "Parameters": {"ImageUri": {"Type": "String"}, "AppUrl": {"Type": "String"}},
    "Resources": {
        "DataBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
            },
        },
        "DataBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "DataBucket"},
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": {"Fn::Sub": "arn:aws:s3:::${DataBucket}/*"},
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ]
                },
            },
        },
        "AdminPasswordSecret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {"GenerateSecretString": {}},
        },
        "LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "Service": {
            "Type": "AWS::ECS::ExpressGatewayService",
            "Properties": {
                "PrimaryContainer": {"Image": {"Ref": "ImageUri"}, "ContainerPort": 8000},
                "ExecutionRoleArn": "arn:aws:iam::123456789012:role/execution",
                "InfrastructureRoleArn": "arn:aws:iam::123456789012:role/infrastructure",
            },
        },
    },
    "Outputs": {
        "AppUrl": {"Value": {"Ref": "AppUrl"}},
        "BucketName": {"Value": {"Ref": "DataBucket"}},
        "DbEndpoint": {"Value": "db.example.internal"},
        "AdminPasswordSecretArn": {"Value": {"Ref": "AdminPasswordSecret"}},
        "LogGroupName": {"Value": {"Ref": "LogGroup"}},
    },
}


# The edge stack's contract (cfn/edge.yaml outputs) with a plain bucket; the CloudFront stand-in serves it.
EDGE_TEMPLATE = {
    "Parameters": {"BucketName": {"Type": "String"}, "PublicUrl": {"Type": "String"}},
    "Resources": {
        "EdgeBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "BucketName"}}}
    },
    "Outputs": {
        "EdgeBucketName": {"Value": {"Ref": "EdgeBucket"}},
        "PublicUrl": {"Value": {"Ref": "PublicUrl"}},
        "DistributionId": {"Value": "E1STANDIN"},
    },
}


class _Health(BaseHTTPRequestHandler):
    """The app's /api/health; tests change what it answers through `answer` and restore it after."""

    status = 200
    answer: dict[str, Any] = {"database": "ok"}
    raw: bytes | None = None

    def do_GET(self) -> None:
        body = (
            self.raw
            or json.dumps({"status": "ok" if self.status == 200 else "unavailable", **self.answer}).encode()
        )
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def health_answers(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make the loopback /api/health answer differently for one test."""

    def answer(http_status: int = 200, raw: bytes | None = None, **body: Any) -> None:
        monkeypatch.setattr(_Health, "status", http_status)
        monkeypatch.setattr(_Health, "answer", body)
        monkeypatch.setattr(_Health, "raw", raw)

    return answer


@pytest.fixture(scope="module")
def health_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def sqlite_at_head(tmp_path: Path) -> str:
    url = f"sqlite:///{(tmp_path / 'metadata.db').as_posix()}"
    upgrade(url)
    return url


@pytest.fixture
def checker(moto_server: str, health_url: str, sqlite_at_head: str) -> Iterator[StackChecker]:
    """A healthy stack: image pushed, bucket private and encrypted, log group quiet, a chart on the edge."""
    install()
    name = f"checks-{secrets.token_hex(4)}"
    edge_bucket = f"{name}-edge-files"
    with cloudfront_standin(moto_server, edge_bucket) as cdn_url:
        boto3.client("cloudformation", endpoint_url=moto_server, region_name=REGION).create_stack(
            StackName=f"{name}-edge",
            TemplateBody=json.dumps(EDGE_TEMPLATE),
            Parameters=[
                {"ParameterKey": "BucketName", "ParameterValue": edge_bucket},
                {"ParameterKey": "PublicUrl", "ParameterValue": cdn_url},
            ],
        )
        s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
        s3.put_object(
            Bucket=edge_bucket, Key="public/data/x/1.json", Body=b"{}", ContentType="application/json"
        )
        page = b'<div id="chart" data-payload="/data/x/1.json"></div>'
        s3.put_object(Bucket=edge_bucket, Key=f"public/embed/{PUBLIC_ID}", Body=page, ContentType="text/html")
        yield _app_checker(moto_server, health_url, sqlite_at_head, name)


PUBLIC_ID = "pub_AAAAAAAAAAAAAAAAAAAAAA"


def _app_checker(moto_server: str, health_url: str, sqlite_at_head: str, name: str) -> StackChecker:
    ecr = boto3.client("ecr", endpoint_url=moto_server, region_name=REGION)
    ecr.create_repository(repositoryName=name)
    ecr.put_image(
        repositoryName=name,
        imageManifest=json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE, "layers": []}),
        imageTag="v1",
    )
    boto3.client("cloudformation", endpoint_url=moto_server, region_name=REGION).create_stack(
        StackName=name,
        TemplateBody=json.dumps(TEMPLATE),
        Parameters=[
            {
                "ParameterKey": "ImageUri",
                "ParameterValue": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{name}:v1",
            },
            {"ParameterKey": "AppUrl", "ParameterValue": health_url},
        ],
    )
    return StackChecker(REGION, name, endpoint_url=moto_server, database_url=sqlite_at_head)


def failure_detail(result: CheckResult) -> str:
    """The detail of a check that must have failed."""
    assert not result.passed, result.detail
    return result.detail


def _s3(checker: StackChecker) -> Any:
    return checker.client("s3")


def test_healthy_stack_passes_every_check(checker: StackChecker) -> None:
    report = checker.report()
    assert [result.status for result in report.results] == ["PASS"] * 9, report.rows()
    report.raise_for_failures()


def test_published_charts_fail_when_the_cdn_does_not_serve_the_page(checker: StackChecker) -> None:
    edge_bucket = f"{checker.stack_name}-edge-files"
    _s3(checker).delete_object(Bucket=edge_bucket, Key="public/data/x/1.json")
    detail = failure_detail(checker.published_charts())
    assert "/data/x/1.json answered HTTP 404" in detail and "publish --sync" in detail


def test_published_charts_fail_without_an_edge_stack(moto_server: str, checker: StackChecker) -> None:
    boto3.client("cloudformation", endpoint_url=moto_server, region_name=REGION).delete_stack(
        StackName=f"{checker.stack_name}-edge"
    )
    result = checker.published_charts()
    assert not result.passed and "deploy --aws --update" in result.detail


def test_stack_status_fails_for_a_missing_stack(moto_server: str) -> None:
    detail = failure_detail(StackChecker(REGION, "no-such-stack", endpoint_url=moto_server).stack_status())
    assert "stack 'no-such-stack' does not exist" in detail


def test_app_health_fails_when_the_app_answers_503(checker: StackChecker) -> None:
    _Health.status = 503
    try:
        result = checker.app_health()
    finally:
        _Health.status = 200
    assert not result.passed
    assert "answered HTTP 503" in result.detail


def test_bucket_exists_fails_naming_the_deleted_bucket(checker: StackChecker) -> None:
    _s3(checker).delete_bucket(Bucket=checker.bucket)
    detail = failure_detail(checker.bucket_exists())
    assert f"bucket {checker.bucket!r}" in detail and "does not exist" in detail


def test_bucket_private_fails_without_a_public_access_block(checker: StackChecker) -> None:
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    detail = failure_detail(checker.bucket_private())
    assert "no public access block" in detail


def test_bucket_encrypted_fails_without_default_encryption(checker: StackChecker) -> None:
    _s3(checker).delete_bucket_encryption(Bucket=checker.bucket)
    detail = failure_detail(checker.bucket_encrypted())
    assert "no default encryption" in detail


def test_bucket_encrypted_fails_without_the_tls_only_policy(checker: StackChecker) -> None:
    _s3(checker).delete_bucket_policy(Bucket=checker.bucket)
    detail = failure_detail(checker.bucket_encrypted())
    assert "aws:SecureTransport" in detail


def test_database_fails_when_behind_the_head_revision(checker: StackChecker, tmp_path: Path) -> None:
    checker.database_url = f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"
    detail = failure_detail(checker.database())
    assert "schema revision none" in detail


def test_database_through_the_app_passes_when_the_app_reports_it_ok(checker: StackChecker) -> None:
    checker.database_url = None
    assert checker.database().passed


def test_service_fails_when_its_image_is_not_in_ecr(checker: StackChecker) -> None:
    ecr = checker.client("ecr")
    ecr.batch_delete_image(repositoryName=checker.stack_name, imageIds=[{"imageTag": "v1"}])
    detail = failure_detail(checker.service())
    assert "is not in ECR" in detail


def test_recent_errors_fails_on_an_error_line(checker: StackChecker) -> None:
    logs = checker.client("logs")
    group = checker.outputs["LogGroupName"]
    logs.create_log_stream(logGroupName=group, logStreamName="app/1")
    import time

    logs.put_log_events(
        logGroupName=group,
        logStreamName="app/1",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "ERROR cannot reach the database"}],
    )
    detail = failure_detail(checker.recent_errors())
    assert "ERROR cannot reach the database" in detail


def test_report_with_a_failure_raises_naming_the_check(checker: StackChecker) -> None:
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    with pytest.raises(StackCheckFailed, match=r"1 of 9 checks .* failed: Bucket private"):
        checker.report().raise_for_failures()


# --- every check fails for each way its part can break ------------------------------------------------
PUBLIC_STATEMENT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::{bucket}/*"}


def _stack_as(checker: StackChecker, **changes: Any) -> None:
    """The stack as CloudFormation would describe it after something went wrong."""
    checker.__dict__["stack"] = {**checker.stack, **changes}


@pytest.mark.parametrize("status", ["ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS"])
def test_stack_status_fails_when_the_stack_is_not_complete(checker: StackChecker, status: str) -> None:
    _stack_as(checker, StackStatus=status, StackStatusReason="Resource Service failed")
    result = checker.stack_status()
    assert not result.passed and result.name == "Stack status"
    assert result.detail == f"stack {checker.stack_name!r} is {status}: Resource Service failed"


def test_stack_status_fails_when_an_output_is_missing(checker: StackChecker) -> None:
    outputs = [o for o in checker.stack["Outputs"] if o["OutputKey"] != "DbEndpoint"]
    _stack_as(checker, Outputs=outputs)
    detail = failure_detail(checker.stack_status())
    assert detail == f"stack {checker.stack_name!r} is CREATE_COMPLETE but lacks outputs DbEndpoint"


def test_app_health_fails_when_the_app_reports_a_bad_status(
    checker: StackChecker, health_answers: Any
) -> None:
    health_answers(200, database="ok", status="degraded")
    detail = failure_detail(checker.app_health())
    assert detail.endswith("/api/health reports status 'degraded'")


def test_app_health_fails_when_nothing_answers(checker: StackChecker) -> None:
    _stack_as(checker, Outputs=[
        {**o, "OutputValue": "http://127.0.0.1:9"} if o["OutputKey"] == "AppUrl" else o
        for o in checker.stack["Outputs"]
    ])  # fmt: skip
    detail = failure_detail(checker.app_health())
    assert detail.startswith("cannot reach http://127.0.0.1:9/api/health:")


def test_bucket_private_fails_when_one_public_access_setting_is_off(checker: StackChecker) -> None:
    _s3(checker).put_public_access_block(
        Bucket=checker.bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )  # fmt: skip
    detail = failure_detail(checker.bucket_private())
    assert detail == f"bucket {checker.bucket!r} allows public access: RestrictPublicBuckets off"


def test_bucket_private_fails_when_the_acl_grants_everyone(checker: StackChecker) -> None:
    _s3(checker).put_bucket_acl(Bucket=checker.bucket, ACL="public-read")
    detail = failure_detail(checker.bucket_private())
    assert detail == f"bucket {checker.bucket!r} grants access to everyone in its ACL"


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}], ids=["star", "aws-star"])
@pytest.mark.parametrize("single", [False, True], ids=["statement-list", "single-statement"])
def test_bucket_private_fails_when_its_policy_lets_anyone_in(
    checker: StackChecker, principal: Any, single: bool
) -> None:
    statement = {**PUBLIC_STATEMENT, "Resource": f"arn:aws:s3:::{checker.bucket}/*", "Principal": principal}
    policy = {"Version": "2012-10-17", "Statement": statement if single else [statement]}
    _s3(checker).put_bucket_policy(Bucket=checker.bucket, Policy=json.dumps(policy))
    detail = failure_detail(checker.bucket_private())
    assert detail == f"bucket {checker.bucket!r} has a policy that allows anyone in"


def test_bucket_private_passes_with_a_policy_for_one_account(checker: StackChecker) -> None:
    statement = {
        **PUBLIC_STATEMENT,
        "Resource": f"arn:aws:s3:::{checker.bucket}/*",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    _s3(checker).put_bucket_policy(Bucket=checker.bucket, Policy=json.dumps(policy))
    assert checker.bucket_private().passed


def test_database_through_the_app_fails_when_the_app_does_not_report_it(
    checker: StackChecker, health_answers: Any
) -> None:
    health_answers(200)
    checker.database_url = None
    detail = failure_detail(checker.database())
    assert detail == (
        f"{checker.app_url}/api/health does not report on the database (HTTP 200); pass "
        "database_url (e.g. through an SSH tunnel) to check it directly"
    )


def test_database_through_the_app_fails_when_the_app_answers_something_else(
    checker: StackChecker, health_answers: Any
) -> None:
    health_answers(200, raw=b"<html>a login page</html>")
    checker.database_url = None
    detail = failure_detail(checker.database())
    assert "/api/health does not report on the database (HTTP 200)" in detail


def test_database_through_the_app_fails_when_the_app_reports_it_broken(
    checker: StackChecker, health_answers: Any
) -> None:
    health_answers(503, database="unreachable")
    checker.database_url = None
    detail = failure_detail(checker.database())
    assert detail == "the app reports its database as 'unreachable': see the service's logs"


def test_database_fails_when_it_cannot_be_reached(checker: StackChecker) -> None:
    checker.database_url = "postgresql+psycopg2://u:secret@127.0.0.1:9/db"
    detail = failure_detail(checker.database())
    assert detail.startswith("cannot reach database postgresql+psycopg2://u:***@127.0.0.1:9/db:")
    assert "secret" not in detail


def _service_as(checker: StackChecker, **changes: Any) -> None:
    checker.__dict__["resources"] = [
        {**r, **changes} if r.get("LogicalResourceId") == "Service" else r for r in checker.resources
    ]


def test_service_fails_when_its_resource_failed(checker: StackChecker) -> None:
    _service_as(checker, ResourceStatus="UPDATE_FAILED", ResourceStatusReason="Health check failed")
    detail = failure_detail(checker.service())
    assert detail == "the ECS Express service is UPDATE_FAILED: Health check failed"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest", "images must have an immutable tag"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/app", "has no tag"),
    ],
)
def test_service_fails_on_a_mutable_or_missing_tag(checker: StackChecker, image: str, expected: str) -> None:
    _stack_as(checker, Parameters=[{"ParameterKey": "ImageUri", "ParameterValue": image}])
    result = checker.service()
    assert not result.passed and expected in result.detail


def test_service_fails_when_the_stack_has_none(checker: StackChecker) -> None:
    checker.__dict__["resources"] = [r for r in checker.resources if r.get("LogicalResourceId") != "Service"]
    detail = failure_detail(checker.service())
    assert detail == f"stack {checker.stack_name!r} has no Lambda, App Runner or ECS Express service"


def test_recent_errors_fails_when_the_log_group_is_gone(checker: StackChecker) -> None:
    checker.client("logs").delete_log_group(logGroupName=checker.outputs["LogGroupName"])
    detail = failure_detail(checker.recent_errors())
    assert "does not exist: the service has not logged anything yet" in detail


def test_report_reuses_a_result_already_shown(checker: StackChecker) -> None:
    block = _s3(checker).get_public_access_block(Bucket=checker.bucket)["PublicAccessBlockConfiguration"]
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    assert not checker.bucket_private().passed
    _s3(checker).put_public_access_block(Bucket=checker.bucket, PublicAccessBlockConfiguration=block)
    report = checker.report()
    assert [r.name for r in report.failures] == ["Bucket private"]
    assert len(report.results) == 9


def test_check_stack_runs_every_check_of_the_named_stack_in_the_given_region(
    checker: StackChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")  # the region passed wins over the default
    report = check_stack(
        REGION, checker.stack_name, endpoint_url=checker.endpoint_url, database_url=checker.database_url
    )
    assert report.stack_name == checker.stack_name
    assert report.passed and len(report.results) == 9


def test_check_stack_checks_the_database_it_is_given(checker: StackChecker, tmp_path: Path) -> None:
    empty = f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"
    report = check_stack(REGION, checker.stack_name, endpoint_url=checker.endpoint_url, database_url=empty)
    assert [r.name for r in report.failures] == ["Database"]


def test_check_stack_defaults_to_the_story_analytics_stack(moto_server: str) -> None:
    report = check_stack(REGION, endpoint_url=moto_server)
    assert report.stack_name == "story-analytics"
    assert "stack 'story-analytics' does not exist" in report.results[0].detail


def test_an_aws_error_inside_a_check_is_its_code_and_message(checker: StackChecker) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    stubber = Stubber(s3)
    stubber.add_response("head_bucket", {})
    stubber.add_client_error("get_bucket_encryption", "AccessDenied", "Access Denied", http_status_code=403)
    stubber.activate()
    assert checker.bucket  # the stack is read (and kept) before S3 starts refusing
    checker.client = lambda service: s3  # type: ignore[method-assign]
    detail = failure_detail(checker.bucket_encrypted())
    assert detail == "AccessDenied: Access Denied"


def test_report_table_shows_each_verdict_and_the_count(checker: StackChecker) -> None:
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    report = checker.report()
    shown = io.StringIO()
    report.show(file=shown)
    text = shown.getvalue()
    assert f"Checks of stack {checker.stack_name}" in text
    assert "| Bucket private " in text and "FAIL" in text and "no public access block" in text
    assert text.rstrip().endswith("8 of 9 checks passed.")


def test_report_with_two_failures_names_both_with_their_reasons(checker: StackChecker) -> None:
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    _s3(checker).delete_bucket_encryption(Bucket=checker.bucket)
    with pytest.raises(StackCheckFailed) as caught:
        checker.report().raise_for_failures()
    assert str(caught.value) == (
        f"2 of 9 checks of stack {checker.stack_name} failed: "
        f"Bucket private: bucket {checker.bucket!r} has no public access block; "
        f"Bucket encrypted: bucket {checker.bucket!r} has no default encryption"
    )
