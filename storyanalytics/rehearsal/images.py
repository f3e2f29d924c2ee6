"""REHEARSAL: a stand-in for Docker. There is no image to build offline; a push puts a labelled fake
image manifest into the (moto) ECR repository, so the deployer's "is the image in ECR?" check passes.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3

from storyanalytics.deploy.image import CommandResult, SubprocessRunner

FAKE_DOCKER_VERSION = "rehearsal (no Docker engine is used)"
PLACEHOLDER_DOCKERFILE = "# REHEARSAL placeholder: the offline rehearsal never builds an image.\n"


def build_context() -> Path:
    """The project folder when it has a Dockerfile (a source checkout), else a labelled placeholder."""
    from storyanalytics.deploy.aws_deployment import PROJECT_DIR

    if (PROJECT_DIR / "Dockerfile").is_file():
        return PROJECT_DIR
    folder = Path(tempfile.gettempdir()) / "story-analytics-rehearsal-build"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(PLACEHOLDER_DOCKERFILE, encoding="utf-8")
    return folder


class RehearsalDockerRunner:
    """Answers the docker commands the deployer runs; other commands (git) run for real."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.commands: list[list[str]] = []
        self._real = SubprocessRunner()

    def __call__(
        self, args: Sequence[str], *, input: str | None = None, cwd: Path | None = None
    ) -> CommandResult:
        if not args or args[0] != "docker":
            return self._real(args, input=input, cwd=cwd)
        self.commands.append(list(args))
        action = args[1] if len(args) > 1 else ""
        if action == "version":
            return CommandResult(0, FAKE_DOCKER_VERSION + "\n")
        if action == "build":
            return CommandResult(0, "REHEARSAL: no image was built (nothing runs in a container offline)\n")
        if action in {"login", "tag"}:
            return CommandResult(0, "")
        if action == "push":
            return self._push(args[-1])
        return CommandResult(1, "", f"REHEARSAL: docker {action} is not emulated")

    def _push(self, remote_ref: str) -> CommandResult:
        """Put a fake manifest for `<registry>/<repository>:<tag>` into ECR on the rehearsal endpoint."""
        path = remote_ref.split("/", 1)[1]
        repository, _, tag = path.rpartition(":")
        ecr = boto3.client("ecr", endpoint_url=self.endpoint_url, region_name=self.region)
        put_placeholder_image(ecr, repository, tag)
        return CommandResult(0, f"REHEARSAL: pushed a placeholder manifest for {remote_ref}\n")


def put_placeholder_image(ecr: Any, repository: str, tag: str) -> None:
    """A labelled fake image manifest for repository:tag in the (moto) ECR: nothing runs from it."""
    layer = hashlib.sha256(f"rehearsal:{repository}:{tag}".encode()).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": f"sha256:{hashlib.sha256(b'{}').hexdigest()}",
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 0,
                "digest": f"sha256:{layer}",
            }
        ],
        "annotations": {"storyanalytics.rehearsal": "fake image pushed by the offline rehearsal"},
    }
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)
