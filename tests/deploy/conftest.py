"""Deploy tests: the rehearsal's moto stand-ins registered before any template is parsed (with a
placeholder launcher, so no app is started), fakes for docker and time."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from deploy_fakes import STACK, RecordingRunner, stacks, stubbed_client

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


def _stubbed_fixture(name: str, service: str) -> Any:
    """A fixture `name`: a `service` client behind botocore's Stubber; every scripted response is used."""

    @pytest.fixture(name=name)
    def stubbed() -> Iterator[tuple[Any, Stubber]]:
        with stubbed_client(service) as client_and_stubber:
            yield client_and_stubber

    return stubbed


cfn = _stubbed_fixture("cfn", "cloudformation")
rds = _stubbed_fixture("rds", "rds")
s3 = _stubbed_fixture("s3", "s3")
logs = _stubbed_fixture("logs", "logs")


@pytest.fixture
def existing_stack(cfn: tuple[Any, Stubber]) -> tuple[Any, Stubber]:
    """`cfn` whose first DescribeStacks finds stack STACK in UPDATE_COMPLETE, as a deploy or destroy
    of a running app begins."""
    _, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    return cfn
