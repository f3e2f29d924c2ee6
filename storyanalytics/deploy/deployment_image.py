"""The image step: which builder, wired to this account, and building only when ECR lacks the tag."""

from __future__ import annotations

from collections.abc import Mapping

from storyanalytics.deploy.builders import (
    BuilderChoice,
    CodeBuildBuilder,
    ImageBuilder,
    LocalDockerBuilder,
    PushTarget,
    choose_builder,
)
from storyanalytics.deploy.deployment_checks import DeploymentChecks
from storyanalytics.deploy.errors import DeployError
from storyanalytics.deploy.image import image_digest, image_tag


class DeploymentImage(DeploymentChecks):
    """Build and push the app image (locally or in CodeBuild) unless it is already in ECR."""

    def image_tag(self) -> str:
        return image_tag(self.runner, self.project_dir)

    def chosen_builder(self) -> BuilderChoice:
        """The preflight's choice; without a preflight, chosen now (`auto` asks the Docker engine)."""
        if self.last_preflight is not None and self.last_preflight.builder is not None:
            return self.last_preflight.builder
        return choose_builder(self.builder, self.runner)

    def image_builder(self, bootstrap_outputs: Mapping[str, str]) -> ImageBuilder:
        """The chosen builder, wired to this account (CodeBuild uses the bootstrap stack's project)."""
        choice = self.chosen_builder()
        if choice.name == "local":
            return LocalDockerBuilder(self.runner, self.project_dir, self.client("ecr"))
        project, bucket = (
            bootstrap_outputs.get("BuildProjectName"),
            bootstrap_outputs.get("ArtifactsBucketName"),
        )
        if not project or not bucket:
            raise DeployError(
                f"Stack {self.bootstrap_stack_name} has no BuildProjectName/ArtifactsBucketName output: "
                "the bootstrap template is out of date; reinstall storyanalytics."
            )
        return CodeBuildBuilder(
            self.runner,
            self.project_dir,
            self.client,
            project_name=project,
            bucket=bucket,
            on_log=self.ui.build_log,
            poll_interval=self.poll_interval,
            sleep=self._sleep,
        )

    def ensure_image(self, target: PushTarget, bootstrap_outputs: Mapping[str, str]) -> str:
        """Build and push unless ECR already holds this exact tag (tags are immutable)."""
        if image_digest(self.client("ecr"), target.repository_name, target.tag):
            self.ui.notice(f"Image {target.tag} is already in ECR: nothing to build.")
            return target.image_uri
        builder = self.image_builder(bootstrap_outputs)
        where = "with Docker on this machine" if builder.name == "local" else "in AWS CodeBuild"
        self.ui.step(f"Building image {target.tag} {where} and pushing it to {target.repository_uri}")
        return builder.build_and_push(target)
