"""Image builders behind one interface: local Docker and AWS CodeBuild build the same Dockerfile and push
the same immutable tag, so the deploy flow reads the same for both."""

from storyanalytics.deploy.builders.base import (
    BUILDER_CHOICES,
    BuilderChoice,
    ImageBuilder,
    LogSink,
    PushTarget,
)
from storyanalytics.deploy.builders.codebuild import CodeBuildBuilder, build_failure, failing_phase
from storyanalytics.deploy.builders.local import LocalDockerBuilder
from storyanalytics.deploy.builders.select import check_builder_name, choose_builder

__all__ = [
    "BUILDER_CHOICES",
    "BuilderChoice",
    "CodeBuildBuilder",
    "ImageBuilder",
    "LocalDockerBuilder",
    "LogSink",
    "PushTarget",
    "build_failure",
    "check_builder_name",
    "choose_builder",
    "failing_phase",
]
