"""A missing PostgreSQL, Chromium, node or checkov fails a CI run with the reason, and skips on a laptop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def plugin_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytester runs load tests/prerequisites.py as a plugin, as the real suite does."""
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT / "tests"))


NEEDS_POSTGRES = """
import pytest

@pytest.mark.postgres
@pytest.mark.parametrize("n", [1, 2, 3])
def test_needs_postgres(n):
    pytest.skip("PostgreSQL not reachable at postgresql://nowhere")

def test_needs_nothing():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest('pytest_plugins = ["prerequisites"]')
    pytester.makepyfile(NEEDS_POSTGRES)
    return pytester


def test_under_ci_a_missing_prerequisite_fails_with_its_reason(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest_subprocess("-ra")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(["*CI=true: a prerequisite (postgres) is missing*not reachable*"])


def test_on_a_laptop_a_missing_prerequisite_skips_with_one_line(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest_subprocess("-ra")
    result.assert_outcomes(passed=1, skipped=3)
    skip_lines = [line for line in result.outlines if line.startswith("SKIPPED")]
    assert len(skip_lines) == 1 and "[3]" in skip_lines[0] and "not reachable" in skip_lines[0]


def test_a_skip_for_another_reason_is_left_alone_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest('pytest_plugins = ["prerequisites"]')
    pytester.makepyfile("import pytest\n\ndef test_not_on_this_os():\n    pytest.skip('Windows only')\n")
    pytester.runpytest_subprocess().assert_outcomes(skipped=1)


def test_a_test_using_the_postgres_fixture_counts_as_needing_postgres(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makeconftest(
        'import pytest\npytest_plugins = ["prerequisites"]\n\n'
        "@pytest.fixture\ndef postgres_database_factory():\n    pytest.skip('PostgreSQL not reachable')\n"
    )
    pytester.makepyfile("def test_copies_rows(postgres_database_factory):\n    pass\n")
    pytester.runpytest_subprocess().assert_outcomes(errors=1)


def test_the_real_suite_fails_in_ci_when_postgresql_does_not_answer() -> None:
    env = {
        **os.environ,
        "CI": "true",
        # Port 9 (discard) on loopback: nothing answers there.
        "TEST_POSTGRES_URL": "postgresql+psycopg2://postgres@127.0.0.1:9/postgres",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "connects_to_postgresql",
         "tests/test_config_db_parts.py"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-2000:]
    assert "PostgreSQL not reachable at postgresql+psycopg2://postgres@127.0.0.1:9/postgres" in result.stdout
