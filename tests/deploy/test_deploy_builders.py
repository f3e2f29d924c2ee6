"""Image builders: which one a deploy picks and why, the source bundle, and the CodeBuild builder
against moto (project, start, batch get) and Stubber (phases, log streaming, failure)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from deploy_fakes import RecordingRunner

from storyanalytics.deploy import ImageError, PreflightError
from storyanalytics.deploy.builders import CodeBuildBuilder, PushTarget, choose_builder
from storyanalytics.deploy.builders.buildspec import BUILDSPEC
from storyanalytics.deploy.builders.bundle import SourceBundle, make_bundle
from storyanalytics.deploy.cost import estimate_cost
from storyanalytics.deploy.image import SubprocessRunner, image_tag

REPO_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/story-analytics"
TARGET = PushTarget(REPO_URI, "story-analytics", "git-0123456789ab")


# --- which builder, and why ------------------------------------------------------------------------
def test_auto_uses_local_docker_when_the_engine_answers() -> None:
    choice = choose_builder("auto", RecordingRunner())
    assert choice.name == "local"
    assert "Docker 27.1.1" in choice.reason


def test_auto_builds_in_codebuild_when_docker_is_missing_and_says_why() -> None:
    choice = choose_builder("auto", RecordingRunner(docker=False))
    assert choice.name == "codebuild"
    assert "Docker is not installed" in choice.reason and "CodeBuild" in choice.reason


def test_codebuild_asked_for_never_asks_docker() -> None:
    runner = RecordingRunner()
    assert choose_builder("codebuild", runner).name == "codebuild"
    assert runner.docker_calls() == []


def test_unknown_builder_is_refused_with_the_choices() -> None:
    with pytest.raises(PreflightError, match="use auto, local or codebuild"):
        choose_builder("podman", RecordingRunner())


def test_codebuild_estimate_includes_build_minutes_and_local_does_not() -> None:
    common: dict[str, Any] = {
        "region": "us-east-1",
        "compute": "ecs-express",
        "cpu": "1024",
        "memory": "2048",
    }
    codebuild = estimate_cost(**common, builder="codebuild")
    local = estimate_cost(**common, builder="local")
    (line,) = [line for line in codebuild.lines if line.part == "CodeBuild image builds"]
    assert line.monthly_usd > 0 and "/min" in line.basis
    assert all(line.part != "CodeBuild image builds" for line in local.lines)


# --- the source bundle -----------------------------------------------------------------------------
def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout with a committed Dockerfile and app file, and an ignored local folder."""
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.org")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.11-slim\n")
    (tmp_path / "app.py").write_text("print('committed')\n")
    (tmp_path / ".gitignore").write_text("data/\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "metadata.db").write_text("local only")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "first")
    return tmp_path


def _bundle_contents(bundle: SourceBundle) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_bundle_holds_the_committed_files_and_leaves_out_ignored_ones(checkout: Path) -> None:
    contents = _bundle_contents(make_bundle(SubprocessRunner(), checkout))
    assert set(contents) == {".gitignore", "Dockerfile", "app.py"}


def test_bundle_carries_uncommitted_changes_and_the_tag_names_them(checkout: Path) -> None:
    runner = SubprocessRunner()
    clean_tag = image_tag(runner, checkout)
    (checkout / "app.py").write_text("print('changed')\n")
    (checkout / "new.py").write_text("print('new')\n")
    contents = _bundle_contents(make_bundle(runner, checkout))
    assert contents["app.py"] == "print('changed')\n" and "new.py" in contents
    dirty_tag = image_tag(runner, checkout)
    assert dirty_tag.startswith(clean_tag + "-dirty-")


def test_bundle_of_the_same_files_is_the_same_bytes(checkout: Path) -> None:
    assert make_bundle(SubprocessRunner(), checkout).data == make_bundle(SubprocessRunner(), checkout).data


def test_bundle_without_a_dockerfile_is_refused(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    with pytest.raises(ImageError, match="no Dockerfile"):
        make_bundle(RecordingRunner(), tmp_path)


def test_buildspec_pushes_one_single_manifest_image_with_the_tag() -> None:
    assert "--provenance=false --sbom=false" in BUILDSPEC
    assert '--tag "$REPOSITORY_URI:$IMAGE_TAG" --push' in BUILDSPEC


# --- CodeBuild through moto (create project, start build, batch get builds) -------------------------
def _moto(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def test_codebuild_builder_uploads_the_bundle_and_starts_one_build(
    moto_server: str, project_dir: Path
) -> None:
    s3, codebuild, ecr, iam = (_moto(name, moto_server) for name in ("s3", "codebuild", "ecr", "iam"))
    s3.create_bucket(Bucket="artifacts")
    role = iam.create_role(RoleName="build", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    codebuild.create_project(
        name="image-build",
        source={"type": "S3", "location": "artifacts/builds/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": True,
        },
        serviceRole=role,
    )
    ecr.create_repository(repositoryName="story-analytics")
    RecordingRunner(ecr=ecr)(["docker", "push", TARGET.image_uri])  # what the build pushes
    clients = {"s3": s3, "codebuild": codebuild, "ecr": ecr, "logs": _moto("logs", moto_server)}
    builder = CodeBuildBuilder(
        RecordingRunner(), project_dir, clients.__getitem__, "image-build", "artifacts", poll_interval=0
    )
    assert builder.build_and_push(TARGET) == TARGET.image_uri
    bundle = s3.get_object(Bucket="artifacts", Key=f"builds/{TARGET.tag}.zip")["Body"].read()
    assert "Dockerfile" in zipfile.ZipFile(io.BytesIO(bundle)).namelist()
    assert len(codebuild.list_builds_for_project(projectName="image-build")["ids"]) == 1


# --- CodeBuild through Stubber (phases, live log lines, failure) ------------------------------------
def _build(status: str, phases: list[dict[str, Any]], complete: bool) -> dict[str, Any]:
    return {
        "id": "image-build:1",
        "buildStatus": status,
        "buildComplete": complete,
        "phases": phases,
        "logs": {"groupName": "/aws/codebuild/sa-image", "streamName": "1"},
    }


def _stubbed_builder(
    project_dir: Path, builds: list[dict[str, Any]], log_pages: list[tuple[list[str], str]]
) -> tuple[CodeBuildBuilder, list[str], list[Stubber]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    codebuild = boto3.client("codebuild", region_name="us-east-1")
    logs = boto3.client("logs", region_name="us-east-1")
    stubbers = [Stubber(client) for client in (s3, codebuild, logs)]
    s3_stub, codebuild_stub, logs_stub = stubbers
    s3_stub.add_response(
        "put_object", {}, {"Bucket": "artifacts", "Key": ANY, "Body": ANY, "ContentType": ANY}
    )
    codebuild_stub.add_response("start_build", {"build": {"id": "image-build:1"}})
    for build in builds:
        codebuild_stub.add_response("batch_get_builds", {"builds": [build]}, {"ids": ["image-build:1"]})
    for lines, token in log_pages:
        events = [{"timestamp": 0, "message": line, "ingestionTime": 0} for line in lines]
        logs_stub.add_response("get_log_events", {"events": events, "nextForwardToken": token})
    for stub in stubbers:
        stub.activate()
    seen: list[str] = []
    clients = {"s3": s3, "codebuild": codebuild, "logs": logs}
    builder = CodeBuildBuilder(
        RecordingRunner(),
        project_dir,
        clients.__getitem__,
        "image-build",
        "artifacts",
        on_log=seen.append,
        poll_interval=0,
    )
    return builder, seen, stubbers


def test_codebuild_log_lines_stream_in_order_while_the_build_runs(project_dir: Path) -> None:
    running = _build("IN_PROGRESS", [{"phaseType": "BUILD", "phaseStatus": "IN_PROGRESS"}], False)
    failed = _build("FAILED", [{"phaseType": "BUILD", "phaseStatus": "FAILED"}], True)
    builder, seen, stubbers = _stubbed_builder(
        project_dir,
        [running, failed],
        [(["step 1"], "f/1"), ([], "f/1"), (["step 2", "step 3"], "f/2"), ([], "f/2"), ([], "f/2")],
    )
    with pytest.raises(ImageError):
        builder.build_and_push(TARGET)
    assert seen == ["step 1", "step 2", "step 3"]
    for stub in stubbers:
        stub.assert_no_pending_responses()


def test_failed_codebuild_names_the_failing_step_and_shows_the_last_log_lines(project_dir: Path) -> None:
    phases = [
        {"phaseType": "DOWNLOAD_SOURCE", "phaseStatus": "SUCCEEDED"},
        {
            "phaseType": "BUILD",
            "phaseStatus": "FAILED",
            "contexts": [
                {"statusCode": "COMMAND_EXECUTION_ERROR", "message": "Error while executing command"}
            ],
        },
    ]
    builder, _, _ = _stubbed_builder(
        project_dir,
        [_build("FAILED", phases, True)],
        [(["npm ERR! missing script: build"], "f/1"), ([], "f/1"), ([], "f/1")],
    )
    with pytest.raises(ImageError, match=r"failed in step BUILD.*Error while executing command") as failure:
        builder.build_and_push(TARGET)
    assert failure.value.details == ["npm ERR! missing script: build"]
