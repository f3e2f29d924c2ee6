"""What every image builder promises: build the project's Dockerfile and push one immutable tag to ECR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

BUILDER_CHOICES = ("auto", "local", "codebuild")

LogSink = Callable[[str], None]


@dataclass(frozen=True)
class PushTarget:
    """Where the image goes: repository:tag in the deployment's own ECR repository."""

    repository_uri: str
    repository_name: str
    tag: str

    @property
    def image_uri(self) -> str:
        return f"{self.repository_uri}:{self.tag}"


@dataclass(frozen=True)
class BuilderChoice:
    """Which builder a deploy uses and the sentence that says why (shown by the preflight)."""

    name: str  # local | codebuild
    reason: str


class ImageBuilder(Protocol):
    name: str

    def build_and_push(self, target: PushTarget) -> str:
        """Build the image, push it as target.tag, check ECR holds it; returns the image URI."""
        ...
