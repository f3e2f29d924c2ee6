"""Tests that need PostgreSQL, Chromium, node, checkov or a Docker engine: one skip line each on a laptop,
a failure in CI.

A green CI run must not hide a fifth of the suite: under CI=true a test carrying one of the
prerequisite markers that skips (because the server, browser or tool is missing) is reported as
failed with the skip's reason. Elsewhere the skips stay, folded into one summary line per reason.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

PREREQUISITES = {
    "postgres": "needs the local PostgreSQL server",
    "browser": "needs headless Chromium",
    "checkov": "needs checkov's own venv (.venv-checkov)",
    "node": "needs node/npm",
    "image": "needs a Docker engine and the stand-in base images (tests/image)",
}
# Tests that use these fixtures need the prerequisite even when they forget the marker.
FIXTURE_NEEDS = {"postgres_database_factory": "postgres", "web_dist": "node", "app_image": "image"}


def in_ci() -> bool:
    """CI=true (or 1/yes), as CI services and .ci/run set it."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    registered = {line.split(":", 1)[0].strip() for line in config.getini("markers")}
    for name, meaning in PREREQUISITES.items():
        if name not in registered:
            config.addinivalue_line("markers", f"{name}: {meaning}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in set(FIXTURE_NEEDS) & set(getattr(item, "fixturenames", ())):
            if not item.get_closest_marker(FIXTURE_NEEDS[fixture]):
                item.add_marker(FIXTURE_NEEDS[fixture])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    needs = [name for name in PREREQUISITES if item.get_closest_marker(name)]
    if not (needs and report.skipped and isinstance(report.longrepr, tuple)):
        return report
    reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    if in_ci():
        report.outcome = "failed"
        report.longrepr = (
            f"CI=true: a prerequisite ({', '.join(needs)}) is missing, so this test cannot run: {reason}"
        )
    else:
        # One place for every such skip, so `-ra` folds them into one line per reason.
        report.longrepr = (str(Path(__file__)), 0, f"Skipped: {reason}")
    return report
