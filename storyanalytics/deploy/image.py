"""The production image: an immutable tag, `docker build`, and a push to ECR through a command runner.

The runner is injected so tests record the docker commands instead of running them (there is no Docker
engine on CI). The ECR password only ever travels on the runner's stdin, never in arguments or output.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.errors import ImageError, aws_error_message, error_code

LOCAL_IMAGE_NAME = "story-analytics"
PLATFORM = "linux/amd64"
# Folders that never go into the image, so they never change its content digest either.
_DIGEST_SKIP = {".git", ".venv", "node_modules", "data", "__pycache__", ".mypy_cache", ".ruff_cache", "dist"}


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str = ""
    stderr: str = ""


class CommandRunner(Protocol):
    def __call__(
        self, args: Sequence[str], *, input: str | None = None, cwd: Path | None = None
    ) -> CommandResult: ...


class SubprocessRunner:
    """Runs a command for real; a missing program is returncode 127, like a shell."""

    def __call__(
        self, args: Sequence[str], *, input: str | None = None, cwd: Path | None = None
    ) -> CommandResult:
        try:
            done = subprocess.run(
                list(args), input=input, cwd=cwd, capture_output=True, text=True, check=False
            )
        except FileNotFoundError:
            return CommandResult(127, "", f"{args[0]}: command not found")
        return CommandResult(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class BuiltImage:
    local_ref: str  # story-analytics:<tag>
    tag: str


def docker_version(runner: CommandRunner) -> str:
    """The Docker engine version, or an ImageError that says how to get Docker running."""
    result = runner(["docker", "version", "--format", "{{.Server.Version}}"])
    if result.returncode == 127:
        raise ImageError(
            "Docker is not installed: install Docker (https://docs.docker.com/get-docker/) and try again."
        )
    if result.returncode != 0:
        raise ImageError("Docker is installed but its engine is not running: start Docker and try again.")
    return result.stdout.strip() or "unknown"


def image_tag(runner: CommandRunner, project_dir: Path) -> str:
    """An immutable tag: the git commit, plus a digest of uncommitted changes when the tree is dirty.

    Outside a git checkout the tag is a digest of the source files. A plain "-dirty" marker would give
    two different images the same tag, which an immutable ECR repository refuses.
    """
    head = runner(["git", "rev-parse", "--short=12", "HEAD"], cwd=project_dir)
    if head.returncode != 0 or not head.stdout.strip():
        return f"src-{content_digest(project_dir)[:12]}"
    sha = head.stdout.strip()
    status = runner(["git", "status", "--porcelain", "--untracked-files=normal"], cwd=project_dir)
    if status.returncode == 0 and not status.stdout.strip():
        return f"git-{sha}"
    diff = runner(["git", "diff", "HEAD", "--binary"], cwd=project_dir)
    digest = hashlib.sha256((status.stdout + diff.stdout).encode()).hexdigest()[:8]
    return f"git-{sha}-dirty-{digest}"


def source_files(project_dir: Path) -> list[Path]:
    """The project's source files (relative, sorted), leaving out local and generated folders."""
    files: list[Path] = []
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if any(part in _DIGEST_SKIP for part in relative.parts) or not path.is_file():
            continue
        files.append(relative)
    return files


def content_digest(project_dir: Path) -> str:
    """SHA-256 over the relative paths and bytes of the source files."""
    digest = hashlib.sha256()
    for relative in source_files(project_dir):
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update((project_dir / relative).read_bytes())
    return digest.hexdigest()


def build_image(
    runner: CommandRunner, project_dir: Path, tag: str, *, dockerfile: str = "Dockerfile"
) -> BuiltImage:
    """`docker build` for the platform the cloud runs (x86_64 Fargate / App Runner)."""
    if not (project_dir / dockerfile).is_file():
        raise ImageError(f"There is no {dockerfile} in {project_dir}: run this from the project folder.")
    local_ref = f"{LOCAL_IMAGE_NAME}:{tag}"
    result = runner(
        [
            "docker",
            "build",
            "--platform",
            PLATFORM,
            # One plain image manifest: with attestations (on by default since buildx 0.10) a push makes an
            # index that ECR will not delete image by image (ImageReferencedByManifestList) and that
            # some runtimes refuse: https://github.com/docker/bake-action/releases/tag/v3.0.0
            "--provenance=false",
            "--sbom=false",
            "--file",
            dockerfile,
            "--tag",
            local_ref,
            ".",
        ],
        cwd=project_dir,
    )
    if result.returncode != 0:
        raise ImageError(f"docker build failed: {_last_line(result)}. Fix the build and try again.")
    return BuiltImage(local_ref=local_ref, tag=tag)


def image_digest(ecr_client: Any, repository_name: str, tag: str) -> str | None:
    """The digest of repository:tag in ECR, or None when no such image exists."""
    try:
        details = ecr_client.describe_images(repositoryName=repository_name, imageIds=[{"imageTag": tag}])
    except ClientError as exc:
        if error_code(exc) == "ImageNotFoundException":
            return None
        raise ImageError(
            f"Could not look up image {repository_name}:{tag}: {aws_error_message(exc)}."
        ) from None
    images = details.get("imageDetails", [])
    return str(images[0]["imageDigest"]) if images else None


def require_image(ecr_client: Any, repository_name: str, tag: str) -> str:
    """The digest, or an error: a service pointed at a missing image hangs for many minutes."""
    digest = image_digest(ecr_client, repository_name, tag)
    if digest is None:
        raise ImageError(
            f"Image {repository_name}:{tag} is not in ECR: build and push it first (deploy does both)."
        )
    return digest


def push_image(
    runner: CommandRunner,
    ecr_client: Any,
    image: BuiltImage,
    repository_uri: str,
    repository_name: str,
) -> str:
    """Log in to ECR (password on stdin), tag, push, and check ECR has it. Returns the image URI."""
    password, registry = _ecr_login(ecr_client)
    login = runner(["docker", "login", "--username", "AWS", "--password-stdin", registry], input=password)
    if login.returncode != 0:
        raise ImageError(f"docker login to {registry} failed: {_last_line(login, hide=password)}.")
    remote_ref = f"{repository_uri}:{image.tag}"
    for args in (["docker", "tag", image.local_ref, remote_ref], ["docker", "push", remote_ref]):
        result = runner(args)
        if result.returncode != 0:
            raise ImageError(f"{' '.join(args[:2])} failed: {_last_line(result, hide=password)}.")
    require_image(ecr_client, repository_name, image.tag)
    return remote_ref


def _ecr_login(ecr_client: Any) -> tuple[str, str]:
    try:
        data = ecr_client.get_authorization_token()["authorizationData"][0]
    except (ClientError, BotoCoreError, KeyError, IndexError) as exc:
        raise ImageError(f"Could not get an ECR login: {aws_error_message(exc)}.") from None
    user_and_password = base64.b64decode(data["authorizationToken"]).decode()
    _user, _, password = user_and_password.partition(":")
    return password, str(data["proxyEndpoint"])


def _last_line(result: CommandResult, *, hide: str | None = None) -> str:
    lines = [line for line in (result.stderr or result.stdout).strip().splitlines() if line.strip()]
    line = lines[-1].strip() if lines else f"exit status {result.returncode}"
    return line.replace(hide, "***") if hide else line
