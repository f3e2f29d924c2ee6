"""Deploy tests: the rehearsal's moto stand-ins registered before any template is parsed (with a
placeholder launcher, so no app is started), fakes for docker and time."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_fakes import RecordingRunner

from storyanalytics.rehearsal.standins import PlaceholderLauncher, install, placeholder_launcher

install()


@pytest.fixture(autouse=True)
def standin_launcher() -> Iterator[PlaceholderLauncher]:
    """Stand-in services only record what they were asked to run, whatever another test installed."""
    with placeholder_launcher() as launcher:
        yield launcher


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
