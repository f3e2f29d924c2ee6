"""Each stack check passes on a healthy stack and fails, with a clear reason, when its part is broken.

A small stack on the moto server (with the rehearsal's stand-ins), a loopback health endpoint and a
SQLite database stand in for the deployed parts.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from storyanalytics.checks import StackChecker, StackCheckFailed
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
    status = 200

    def do_GET(self) -> None:
        body = json.dumps(
            {"status": "ok" if self.status == 200 else "unavailable", "database": "ok"}
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


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


def _s3(checker: StackChecker) -> Any:
    return checker.client("s3")


def test_healthy_stack_passes_every_check(checker: StackChecker) -> None:
    report = checker.report()
    assert [result.status for result in report.results] == ["PASS"] * 9, report.rows()
    report.raise_for_failures()


def test_published_charts_fail_when_the_cdn_does_not_serve_the_page(checker: StackChecker) -> None:
    edge_bucket = f"{checker.stack_name}-edge-files"
    _s3(checker).delete_object(Bucket=edge_bucket, Key="public/data/x/1.json")
    result = checker.published_charts()
    assert not result.passed
    assert "/data/x/1.json answered HTTP 404" in result.detail and "publish --sync" in result.detail


def test_published_charts_fail_without_an_edge_stack(moto_server: str, checker: StackChecker) -> None:
    boto3.client("cloudformation", endpoint_url=moto_server, region_name=REGION).delete_stack(
        StackName=f"{checker.stack_name}-edge"
    )
    result = checker.published_charts()
    assert not result.passed and "deploy --aws --update" in result.detail


def test_stack_status_fails_for_a_missing_stack(moto_server: str) -> None:
    result = StackChecker(REGION, "no-such-stack", endpoint_url=moto_server).stack_status()
    assert not result.passed
    assert "stack 'no-such-stack' does not exist" in result.detail


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
    result = checker.bucket_exists()
    assert not result.passed
    assert f"bucket {checker.bucket!r}" in result.detail and "does not exist" in result.detail


def test_bucket_private_fails_without_a_public_access_block(checker: StackChecker) -> None:
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    result = checker.bucket_private()
    assert not result.passed
    assert "no public access block" in result.detail


def test_bucket_encrypted_fails_without_default_encryption(checker: StackChecker) -> None:
    _s3(checker).delete_bucket_encryption(Bucket=checker.bucket)
    result = checker.bucket_encrypted()
    assert not result.passed
    assert "no default encryption" in result.detail


def test_bucket_encrypted_fails_without_the_tls_only_policy(checker: StackChecker) -> None:
    _s3(checker).delete_bucket_policy(Bucket=checker.bucket)
    result = checker.bucket_encrypted()
    assert not result.passed
    assert "aws:SecureTransport" in result.detail


def test_database_fails_when_behind_the_head_revision(checker: StackChecker, tmp_path: Path) -> None:
    checker.database_url = f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"
    result = checker.database()
    assert not result.passed
    assert "schema revision none" in result.detail


def test_database_through_the_app_passes_when_the_app_reports_it_ok(checker: StackChecker) -> None:
    checker.database_url = None
    assert checker.database().passed


def test_service_fails_when_its_image_is_not_in_ecr(checker: StackChecker) -> None:
    ecr = checker.client("ecr")
    ecr.batch_delete_image(repositoryName=checker.stack_name, imageIds=[{"imageTag": "v1"}])
    result = checker.service()
    assert not result.passed
    assert "is not in ECR" in result.detail


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
    result = checker.recent_errors()
    assert not result.passed
    assert "ERROR cannot reach the database" in result.detail


def test_report_with_a_failure_raises_naming_the_check(checker: StackChecker) -> None:
    _s3(checker).delete_public_access_block(Bucket=checker.bucket)
    with pytest.raises(StackCheckFailed, match=r"1 of 9 checks .* failed: Bucket private"):
        checker.report().raise_for_failures()
