"""Property-based requests from the OpenAPI schema: no operation answers 5xx (local mode, bounded)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error

from storyanalytics.api import create_app
from storyanalytics.config import load_settings

# The schema is read when tests are collected, so the app exists at import; it starts in the fixture.
DATA_DIR = Path(tempfile.mkdtemp(prefix="sa-schemathesis-"))
APP = create_app(load_settings(data_dir=DATA_DIR, _env_file=None))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    """Runs the lifespan (schema upgrade, local user) for the module, then removes the data."""
    with TestClient(APP):
        yield
    shutil.rmtree(DATA_DIR, ignore_errors=True)


# One plain pytest parameter per operation, not `@schema.parametrize()`: that gives every operation's test
# the same node id, and pytest-xdist (`invoke test` runs two workers) schedules by node id, so all
# operations but one would silently not run.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
def test_no_operation_answers_5xx(operation: APIOperation) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def answers_without_5xx(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=[not_a_server_error])

    answers_without_5xx()
