"""The real app template on moto: the database password lives in the stack's own secret (no RDS-managed,
auto-rotated one), RDS gets it through a dynamic reference and the service as a runtime secret; the
bucket carries the app tag the migration trusts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from deploy_fakes import RecordingRunner
from moto.rds.models import rds_backends

from storyanalytics.deploy import AwsDeployment
from storyanalytics.deploy.aws_deployment import DeploymentResult
from storyanalytics.deploy.ui import QuietUi
from storyanalytics.migrate.checks import check_bucket
from storyanalytics.naming import APP_TAG_KEY
from storyanalytics.rehearsal.standins import PlaceholderLauncher
from storyanalytics.runbooks.steps import migration_target
from storyanalytics.storage import S3StorageBackend

ACCOUNT = "123456789012"


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def deployed(moto_server: str, stack_name: str, project_dir: Path) -> DeploymentResult:
    return AwsDeployment(
        "us-east-1",
        stack_name,
        None,
        endpoint_url=moto_server,
        runner=RecordingRunner(ecr=_client("ecr", moto_server)),
        project_dir=project_dir,
        poll_interval=0,
        admin_email="admin@example.org",
        ui=QuietUi(confirm_answer=True, typed_answer=stack_name),
    ).deploy()


def _db_secret(endpoint: str, result: DeploymentResult) -> dict[str, Any]:
    secret = _client("secretsmanager", endpoint).get_secret_value(SecretId=result.outputs["DbSecretArn"])
    document: dict[str, Any] = json.loads(secret["SecretString"])
    return document


def test_db_secret_holds_the_user_and_the_database_address(
    moto_server: str, deployed: DeploymentResult
) -> None:
    secret = _db_secret(moto_server, deployed)
    assert secret["username"] == "storyanalytics"
    assert len(secret["password"]) == 32
    assert not set(secret["password"]) & set("\"'@/\\ :?#%")
    assert secret["host"] == deployed.outputs["DbEndpoint"]
    assert (secret["engine"], secret["port"], secret["dbname"]) == ("postgres", 5432, "storyanalytics")


def test_database_is_created_with_the_password_from_the_db_secret(
    moto_server: str, deployed: DeploymentResult
) -> None:
    database = rds_backends[ACCOUNT]["us-east-1"].databases[deployed.outputs["DbInstanceId"]]
    # moto, like RDS, never returns the password through its API: read the in-process model.
    assert database._master_user_password == _db_secret(moto_server, deployed)["password"]
    assert not database.manage_master_user_password


def test_service_gets_the_db_secret_password_at_start(
    moto_server: str, deployed: DeploymentResult, standin_launcher: PlaceholderLauncher
) -> None:
    [spec] = standin_launcher.running.values()
    assert spec.environment["DB_PASSWORD"] == _db_secret(moto_server, deployed)["password"]
    assert spec.environment["DB_USER"] == "storyanalytics"


def test_db_secret_is_not_rotated_automatically(moto_server: str, deployed: DeploymentResult) -> None:
    described = _client("secretsmanager", moto_server).describe_secret(
        SecretId=deployed.outputs["DbSecretArn"]
    )
    assert not described.get("RotationEnabled")


def test_runbook_without_a_tunnel_migrates_through_the_stacks_app(
    moto_server: str, stack_name: str, deployed: DeploymentResult
) -> None:
    target = migration_target("us-east-1", stack_name, endpoint_url=moto_server)

    assert target.database_url == ""  # the private database is reached by the app, inside the VPC
    assert target.app_url == deployed.outputs["AppUrl"]
    assert target.admin_password_secret_arn == deployed.outputs["AdminPasswordSecretArn"]


def test_stack_bucket_carries_the_app_tag_and_passes_the_migration_bucket_check(
    moto_server: str, stack_name: str, deployed: DeploymentResult
) -> None:
    bucket = deployed.outputs["BucketName"]
    s3 = _client("s3", moto_server)
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags[APP_TAG_KEY] == stack_name
    s3.put_object(Bucket=bucket, Key="not-ours/left-by-someone.txt", Body=b"x")  # only the tag vouches now
    check_bucket(S3StorageBackend(bucket, endpoint_url=moto_server, region_name="us-east-1"))
