"""Fixtures for the CloudFormation template tests."""

from __future__ import annotations

from typing import Any

import pytest
from cfn_template_helpers import load_template


@pytest.fixture(scope="session")
def app() -> dict[str, Any]:
    return load_template("app")


@pytest.fixture(scope="session")
def bootstrap() -> dict[str, Any]:
    return load_template("bootstrap")


@pytest.fixture(scope="session")
def edge() -> dict[str, Any]:
    return load_template("edge")
