"""`story-analytics migrate --stack-name`: the bucket, the app's URL, its admin and the admin password
(from the stack's secret) come from the real app template deployed on moto; explicit options win and
the password never shows. migrate_local_to_cloud is replaced by a recorder: what it receives is the
point here (tests/migrate/test_remote_import.py covers the import through the app itself)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

import storyanalytics.migrate
from storyanalytics.cli import app
from storyanalytics.deploy import AwsDeployment
from storyanalytics.deploy.aws_deployment import DeploymentResult
from storyanalytics.deploy.ui import QuietUi
from storyanalytics.migrate import MigrationReport
from storyanalytics.rehearsal.images import RehearsalDockerRunner, build_context
from storyanalytics.rehearsal.standins import install, placeholder_launcher

install()

REGION = "us-east-1"
ADMIN_EMAIL = "admin@example.org"
# A stack with the outputs the migration reads, but no secret behind the ARN.
NO_SECRET_TEMPLATE = {
    "Resources": {"Handle": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {
        "BucketName": {"Value": "some-bucket"},
        "AppUrl": {"Value": "https://app.example.org"},
        "AdminEmail": {"Value": ADMIN_EMAIL},
        "AdminPasswordSecretArn": {
            "Value": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:gone-AbCdEf"
        },
    },
}


@pytest.fixture(scope="module")
def deployed(moto_server: str) -> DeploymentResult:
    """The real app template on moto; the stand-in services only record what they were asked to run."""
    name = f"sa-{secrets.token_hex(4)}"
    with placeholder_launcher():
        return AwsDeployment(
            REGION,
            name,
            None,
            endpoint_url=moto_server,
            runner=RehearsalDockerRunner(moto_server, REGION),
            project_dir=build_context(),
            poll_interval=0,
            admin_email=ADMIN_EMAIL,
            ui=QuietUi(confirm_answer=True, typed_answer=name),
        ).deploy()


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """What the CLI hands to migrate_local_to_cloud."""
    calls: dict[str, Any] = {}

    def record(data_dir: Any, bucket: str, database_url: str, **options: Any) -> MigrationReport:
        calls.update(options, bucket=bucket, database_url=database_url)
        return MigrationReport(str(data_dir), bucket, "", "recorded", True, "2026-01-01T00:00:00+00:00")

    monkeypatch.setattr(storyanalytics.migrate, "migrate_local_to_cloud", record)
    yield calls


def admin_password(endpoint: str, result: DeploymentResult) -> str:
    client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=REGION)
    value = client.get_secret_value(SecretId=result.outputs["AdminPasswordSecretArn"])["SecretString"]
    try:
        return str(json.loads(value)["password"])
    except (ValueError, KeyError, TypeError):
        return str(value)


def run_migrate(endpoint: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(
        app,
        ["migrate", "--region", REGION, "--endpoint-url", endpoint, "--dry-run", *args],
        env={"DATABASE_URL": "", "ADMIN_PASSWORD": "", "S3_BUCKET": "", **(env or {})},
    )


def test_stack_name_gives_the_stacks_bucket_app_admin_and_secret_password(
    moto_server: str, deployed: DeploymentResult, received: dict[str, Any]
) -> None:
    result = run_migrate(moto_server, "--stack-name", deployed.stack_name)

    assert result.exit_code == 0, result.output
    password = admin_password(moto_server, deployed)
    assert received["bucket"] == deployed.outputs["BucketName"]
    assert received["database_url"] == ""
    assert received["app_url"] == deployed.outputs["AppUrl"]
    assert received["admin_email"] == deployed.outputs["AdminEmail"] == ADMIN_EMAIL
    assert received["admin_password"] == password
    assert received["region"] == REGION


def test_stack_name_never_shows_the_admin_password(
    moto_server: str, deployed: DeploymentResult, received: dict[str, Any]
) -> None:
    result = run_migrate(moto_server, "--stack-name", deployed.stack_name)

    assert result.exit_code == 0, result.output
    assert deployed.outputs["AppUrl"] in result.output
    assert admin_password(moto_server, deployed) not in result.output


def test_explicit_bucket_and_database_url_win_over_the_stack(
    moto_server: str, deployed: DeploymentResult, received: dict[str, Any]
) -> None:
    url = "postgresql+psycopg2://user:pw@127.0.0.1:5433/tunnel"
    result = run_migrate(
        moto_server, "--stack-name", deployed.stack_name, "--bucket", "mine", env={"DATABASE_URL": url}
    )

    assert result.exit_code == 0, result.output
    assert (received["bucket"], received["database_url"]) == ("mine", url)
    assert received["app_url"] is None and received["admin_password"] is None


def test_explicit_admin_email_takes_its_password_from_the_environment(
    moto_server: str, deployed: DeploymentResult, received: dict[str, Any]
) -> None:
    result = run_migrate(
        moto_server,
        "--stack-name",
        deployed.stack_name,
        "--admin-email",
        "other@example.org",
        env={"ADMIN_PASSWORD": "other password"},
    )

    assert result.exit_code == 0, result.output
    assert (received["admin_email"], received["admin_password"]) == ("other@example.org", "other password")


def test_missing_stack_is_one_sentence(moto_server: str, received: dict[str, Any]) -> None:
    result = run_migrate(moto_server, "--stack-name", "no-such-stack")

    assert result.exit_code != 0 and not received
    assert "'no-such-stack' does not exist in us-east-1" in result.output
    assert "Traceback" not in result.output


def test_stack_without_the_outputs_is_one_sentence(moto_server: str, received: dict[str, Any]) -> None:
    name = f"bare-{secrets.token_hex(4)}"
    template = {"Resources": {"Handle": {"Type": "AWS::SNS::Topic"}}}
    boto3.client("cloudformation", endpoint_url=moto_server, region_name=REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )

    result = run_migrate(moto_server, "--stack-name", name)

    assert result.exit_code != 0 and not received
    assert "has no BucketName output" in result.output and "Traceback" not in result.output


def test_unreadable_admin_secret_is_one_sentence(moto_server: str, received: dict[str, Any]) -> None:
    name = f"nosecret-{secrets.token_hex(4)}"
    boto3.client("cloudformation", endpoint_url=moto_server, region_name=REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(NO_SECRET_TEMPLATE)
    )

    result = run_migrate(moto_server, "--stack-name", name)

    assert result.exit_code != 0 and not received
    assert "cannot read the admin password secret" in result.output and "Traceback" not in result.output
