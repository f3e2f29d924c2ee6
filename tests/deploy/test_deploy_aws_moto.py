"""The whole AWS flow against moto's server, with the real templates (stand-ins for the compute types)
and a recording runner instead of Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from deploy_fakes import RecordingRunner

from storyanalytics.deploy import AwsDeployment, DeployError, ImageError, PreflightError
from storyanalytics.deploy.image import BuiltImage, push_image, require_image
from storyanalytics.deploy.stack_deployer import MAX_TEMPLATE_BODY_BYTES, StackDeployer
from storyanalytics.deploy.ui import QuietUi

SMALL_APP = (Path(__file__).parent / "small_app.yaml").read_text()


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def _stack_exists(endpoint: str, name: str) -> bool:
    """Only CloudFormation's "does not exist" answer means absent; any other error fails the test."""
    try:
        status = _client("cloudformation", endpoint).describe_stacks(StackName=name)["Stacks"][0][
            "StackStatus"
        ]
    except ClientError as exc:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
        if exc.response["Error"]["Code"] == "ValidationError" and "does not exist" in str(exc):
            return False
        raise
    return status != "DELETE_COMPLETE"


def _apprunner_ok() -> Any:
    """moto has no App Runner API: a stubbed client that says the account may use it."""
    client = boto3.client("apprunner", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("list_services", {"ServiceSummaryList": []})
    stubber.activate()
    return client


def _deployment(
    endpoint: str, stack_name: str, project_dir: Path, runner: RecordingRunner | None = None, **kwargs: Any
) -> AwsDeployment:
    kwargs.setdefault("admin_email", "admin@example.org")
    kwargs.setdefault("ui", QuietUi(confirm_answer=True, typed_answer=stack_name))
    return AwsDeployment(
        kwargs.pop("region", "us-east-1"),
        stack_name,
        kwargs.pop("compute", None),
        endpoint_url=endpoint,
        runner=runner or RecordingRunner(ecr=_client("ecr", endpoint)),
        project_dir=project_dir,
        poll_interval=0,
        **kwargs,
    )


@pytest.mark.parametrize("compute", ["lambda", "ecs-express", "apprunner"])
def test_first_deploy_creates_both_stacks_and_prints_how_to_get_the_password(
    moto_server: str, stack_name: str, project_dir: Path, compute: str
) -> None:
    clients = {"apprunner": _apprunner_ok()} if compute == "apprunner" else {}
    deployment = _deployment(moto_server, stack_name, project_dir, compute=compute, clients=clients)
    result = deployment.deploy()
    assert result.first_deploy and result.app.status == "CREATE_COMPLETE"
    assert result.url and result.url.startswith("https://")
    assert result.outputs["Compute"] == compute
    assert result.image_uri.endswith(f"/{stack_name}:git-0123456789ab")
    arn = result.outputs["AdminPasswordSecretArn"]
    assert result.password_command == (
        f"aws secretsmanager get-secret-value --secret-id {arn} "
        "--query SecretString --output text --region us-east-1"
    )
    password = _client("secretsmanager", moto_server).get_secret_value(SecretId=arn)["SecretString"]
    assert password and password not in repr(result)


def test_second_deploy_with_the_same_image_has_no_changes_and_builds_nothing(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).deploy()
    runner = RecordingRunner(ecr=_client("ecr", moto_server))
    again = _deployment(moto_server, stack_name, project_dir, runner=runner, app_template=SMALL_APP).update()
    assert again.app.no_changes and not again.first_deploy
    assert [call[1] for call in runner.docker_calls()] == ["version"]


def test_update_rolls_the_service_to_the_new_image(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).deploy()
    runner = RecordingRunner(ecr=_client("ecr", moto_server), sha="fedcba987654")
    result = _deployment(
        moto_server, stack_name, project_dir, runner=runner, admin_email=None, app_template=SMALL_APP
    ).update()
    assert result.app.status == "UPDATE_COMPLETE"
    assert result.image_uri.endswith(":git-fedcba987654")
    parameters = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in _client("cloudformation", moto_server).describe_stacks(StackName=stack_name)["Stacks"][0][
            "Parameters"
        ]
    }
    assert parameters["ImageUri"] == result.image_uri


def test_dry_run_creates_nothing(moto_server: str, stack_name: str, project_dir: Path) -> None:
    ui = QuietUi(confirm_answer=True)
    runner = RecordingRunner(docker=False)
    result = _deployment(moto_server, stack_name, project_dir, runner=runner, ui=ui).deploy(dry_run=True)
    assert result.dry_run and ui.plans and ui.plans[-1].changes
    assert ui.estimates and ui.reports[0].ok
    assert not _stack_exists(moto_server, stack_name)
    assert not _stack_exists(moto_server, f"{stack_name}-bootstrap")
    assert runner.docker_calls() == []


def test_destroy_keeps_the_bucket(moto_server: str, stack_name: str, project_dir: Path) -> None:
    deployment = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP)
    bucket = deployment.deploy().outputs["BucketName"]
    result = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).destroy()
    assert result.app.kept_bucket == bucket
    assert not _stack_exists(moto_server, stack_name)
    _client("s3", moto_server).head_bucket(Bucket=bucket)


def test_destroy_with_delete_data_deletes_bucket_and_image_repository(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    bucket = (
        _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP)
        .deploy()
        .outputs["BucketName"]
    )
    s3 = _client("s3", moto_server)
    s3.put_object(Bucket=bucket, Key="charts/a.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="charts/a.json", Body=b"{ }")
    result = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).destroy(
        delete_data=True
    )
    assert result.app.deleted_bucket == bucket and result.bootstrap_deleted
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert not _stack_exists(moto_server, f"{stack_name}-bootstrap")


def test_big_template_goes_through_the_artifacts_bucket(
    moto_server: str, stack_name: str, s3_bucket: str
) -> None:
    padding = "x" * (MAX_TEMPLATE_BODY_BYTES + 100)
    template = f"Description: {padding}\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
    # moto reads a path-style TemplateURL only from a "localhost" host
    s3 = _client("s3", moto_server.replace("127.0.0.1", "localhost"))
    deployer = StackDeployer(
        _client("cloudformation", moto_server), stack_name, s3_client=s3, poll_interval=0
    )
    result = deployer.deploy(template, {}, {}, assume_yes=True, template_bucket=s3_bucket)
    assert result.status == "CREATE_COMPLETE"
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys and keys[0].startswith(f"cloudformation/{stack_name}/")


# --- bad input: one clear sentence, nothing created --------------------------------------------------
def _assert_nothing_created(endpoint: str, stack_name: str) -> None:
    assert not _stack_exists(endpoint, stack_name)
    assert not _stack_exists(endpoint, f"{stack_name}-bootstrap")


def test_wrong_region_is_refused(moto_server: str, stack_name: str, project_dir: Path) -> None:
    with pytest.raises(PreflightError, match="'us-east-9' is not an AWS region") as caught:
        _deployment(moto_server, stack_name, project_dir, region="us-east-9").deploy()
    assert "\n" not in str(caught.value)
    _assert_nothing_created(moto_server, stack_name)


def test_missing_credentials_are_refused(
    moto_server: str, stack_name: str, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(PreflightError, match="no AWS credentials were found"):
        _deployment(moto_server, stack_name, project_dir, session=boto3.session.Session()).deploy()
    monkeypatch.undo()
    _assert_nothing_created(moto_server, stack_name)


def test_stack_name_taken_by_another_app_is_refused(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    cfn = _client("cloudformation", moto_server)
    cfn.create_stack(StackName=stack_name, TemplateBody="Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    with pytest.raises(PreflightError, match="already exists and was not made by Story Analytics"):
        _deployment(moto_server, stack_name, project_dir).deploy()
    assert not _stack_exists(moto_server, f"{stack_name}-bootstrap")


def test_local_builder_without_docker_is_refused_and_points_to_codebuild(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    with pytest.raises(PreflightError, match=r"Docker is not installed.*--builder codebuild"):
        _deployment(
            moto_server, stack_name, project_dir, runner=RecordingRunner(docker=False), builder="local"
        ).deploy()
    _assert_nothing_created(moto_server, stack_name)


def test_apprunner_unusable_points_to_the_default_compute(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    client = boto3.client("apprunner", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error("list_services", "SubscriptionRequiredException", "not subscribed", 400)
    stubber.activate()
    with pytest.raises(PreflightError, match="use --compute lambda"):
        _deployment(
            moto_server, stack_name, project_dir, compute="apprunner", clients={"apprunner": client}
        ).deploy()
    _assert_nothing_created(moto_server, stack_name)


def test_missing_image_is_refused_before_any_stack_uses_it(moto_server: str, stack_name: str) -> None:
    ecr = _client("ecr", moto_server)
    ecr.create_repository(repositoryName=stack_name)
    with pytest.raises(ImageError, match="is not in ECR"):
        require_image(ecr, stack_name, "git-000000000000")


def test_push_that_never_reaches_ecr_is_an_error(moto_server: str, stack_name: str) -> None:
    ecr = _client("ecr", moto_server)
    uri = ecr.create_repository(repositoryName=stack_name)["repository"]["repositoryUri"]
    runner = RecordingRunner()  # pushes nowhere
    with pytest.raises(ImageError, match="is not in ECR"):
        push_image(runner, ecr, BuiltImage(f"story-analytics:{'t1'}", "t1"), uri, stack_name)


def test_update_without_a_deployment_says_deploy_first(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    with pytest.raises(DeployError, match="deploy it first"):
        _deployment(moto_server, stack_name, project_dir).update()


# --- Building in CodeBuild: the rehearsal's labelled CodeBuild stand-in plays the build -----------------
def _codebuild_deployment(
    moto_server: str, stack_name: str, project_dir: Path, **kwargs: Any
) -> AwsDeployment:
    from storyanalytics.rehearsal.codebuild import RehearsalCodeBuild

    kwargs.setdefault("runner", RecordingRunner(docker=False))
    return _deployment(
        moto_server,
        stack_name,
        project_dir,
        app_template=SMALL_APP,
        clients={"codebuild": RehearsalCodeBuild(moto_server, "us-east-1")},
        **kwargs,
    )


@pytest.fixture
def ecr_public_project(project_dir: Path) -> Path:
    (project_dir / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.11-slim\n")
    return project_dir


def test_deploy_without_docker_builds_in_codebuild_and_streams_its_log(
    moto_server: str, stack_name: str, ecr_public_project: Path
) -> None:
    ui = QuietUi(confirm_answer=True)
    deployment = _codebuild_deployment(moto_server, stack_name, ecr_public_project, ui=ui)
    result = deployment.deploy()
    assert result.image_uri.endswith(f"/{stack_name.lower()}:git-0123456789ab")
    (request,) = deployment.client("codebuild").requests
    variables = {v["name"]: v["value"] for v in request["environmentVariablesOverride"]}
    assert variables["ECR_REGION"] == "us-east-1" and variables["IMAGE_TAG"] == "git-0123456789ab"
    (builder_check,) = [check for check in ui.reports[0].checks if check.name == "Builder"]
    assert builder_check.status == "ok" and builder_check.detail.startswith(
        "codebuild: Docker is not installed"
    )
    assert any(line.part == "CodeBuild image builds" for line in ui.estimates[0].lines)
    assert any("registered placeholder image" in line for line in ui.build_lines)


def test_update_with_codebuild_builds_and_rolls_to_the_new_tag(
    moto_server: str, stack_name: str, ecr_public_project: Path
) -> None:
    _codebuild_deployment(moto_server, stack_name, ecr_public_project).deploy()
    runner = RecordingRunner(docker=False, sha="fedcba987654", dirty=" M app.py\n")
    result = _codebuild_deployment(
        moto_server, stack_name, ecr_public_project, runner=runner, admin_email=None, builder="codebuild"
    ).update()
    assert result.app.status == "UPDATE_COMPLETE"
    assert ":git-fedcba987654-dirty-" in result.image_uri


def test_codebuild_failure_stops_the_deploy_before_the_app_stack_with_the_failing_step(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    # project_dir's Dockerfile pulls from Docker Hub, which the (stand-in) build refuses.
    with pytest.raises(ImageError, match="failed in step BUILD") as failure:
        _codebuild_deployment(moto_server, stack_name, project_dir).deploy()
    assert any("base images must come from" in line for line in failure.value.details)
    assert not _stack_exists(moto_server, stack_name)


def test_deploy_lets_only_the_apps_own_page_upload_to_the_bucket(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    result = _deployment(moto_server, stack_name, project_dir, compute="ecs-express").deploy()
    rules = _client("s3", moto_server).get_bucket_cors(Bucket=result.outputs["BucketName"])["CORSRules"]
    origin = result.url.rstrip("/") if result.url else ""
    assert [(rule["AllowedOrigins"], rule["AllowedMethods"]) for rule in rules] == [([origin], ["POST"])]


def test_lambda_deploy_serves_the_live_alias_and_passes_the_function_its_settings(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    result = _deployment(moto_server, stack_name, project_dir, compute="lambda").deploy()
    assert result.outputs["ServiceArn"].endswith(":live")
    function = _client("lambda", moto_server).get_function(FunctionName=result.outputs["ServiceName"])
    env = function["Configuration"]["Environment"]["Variables"]
    assert env["STORAGE_BACKEND"] == "s3" and env["S3_BUCKET"] == result.outputs["BucketName"]
    assert (env["DB_POOL_SIZE"], env["DB_MAX_OVERFLOW"]) == ("1", "1")
    assert function["Code"]["ImageUri"] == result.image_uri
