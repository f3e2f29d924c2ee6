"""The local builder: `docker build` on this machine, then `docker push` to ECR (deploy/image.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyanalytics.deploy.builders.base import PushTarget
from storyanalytics.deploy.image import CommandRunner, build_image, push_image


@dataclass
class LocalDockerBuilder:
    runner: CommandRunner
    project_dir: Path
    ecr_client: Any
    name: str = "local"

    def build_and_push(self, target: PushTarget) -> str:
        built = build_image(self.runner, self.project_dir, target.tag)
        return push_image(self.runner, self.ecr_client, built, target.repository_uri, target.repository_name)
