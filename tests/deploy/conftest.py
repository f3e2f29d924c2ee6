"""Deploy tests: moto stand-ins registered before any template is parsed, fakes for docker and time."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import standins  # noqa: F401  (registers the ECS Express / App Runner stand-ins with moto)
from deploy_fakes import RecordingRunner


@pytest.fixture
def stack_name() -> str:
    return f"sa-{secrets.token_hex(4)}"


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A folder with a Dockerfile, like the project root."""
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    return tmp_path


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()
