"""Which builder a deploy uses: `auto` takes the local Docker engine when it answers, CodeBuild otherwise."""

from __future__ import annotations

from storyanalytics.deploy.builders.base import BUILDER_CHOICES, BuilderChoice
from storyanalytics.deploy.errors import ImageError, PreflightError
from storyanalytics.deploy.image import CommandRunner, docker_version

CODEBUILD_WHERE = "in AWS CodeBuild, in your account (no Docker needed here)"


def check_builder_name(requested: str) -> str:
    if requested not in BUILDER_CHOICES:
        raise PreflightError(f"Builder {requested!r} is unknown: use auto, local or codebuild.")
    return requested


def choose_builder(requested: str, runner: CommandRunner) -> BuilderChoice:
    """The builder and why; `local` without a working Docker engine is a PreflightError saying what to do."""
    check_builder_name(requested)
    if requested == "codebuild":
        return BuilderChoice("codebuild", f"--builder codebuild: the image is built {CODEBUILD_WHERE}")
    try:
        version = docker_version(runner)
    except ImageError as exc:
        if requested == "local":
            raise PreflightError(f"{exc} Or pass --builder codebuild to build in your AWS account.") from None
        return BuilderChoice(
            "codebuild", f"{exc.args[0].split(':')[0]}, so the image is built {CODEBUILD_WHERE}"
        )
    why = "--builder local" if requested == "local" else "the local Docker engine answers"
    return BuilderChoice("local", f"{why}: the image is built here with Docker {version}")
