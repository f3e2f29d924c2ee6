"""`story-analytics db upgrade`: one line on success, one red sentence and exit 2 on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyanalytics.cli import app
from storyanalytics.db import head_revision

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "DATA_DIR", "STORAGE_BACKEND", "APP_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_db_upgrade_reports_the_revision(database_url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert f"schema revision {head_revision()}" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def test_db_upgrade_again_succeeds(sqlite_url: str) -> None:
    runner.invoke(app, ["db", "upgrade", "--database-url", sqlite_url])
    result = runner.invoke(app, ["db", "upgrade", "--database-url", sqlite_url])
    assert result.exit_code == 0 and head_revision() in result.stdout


def test_db_upgrade_defaults_to_sqlite_under_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "store"))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "store" / "metadata.db").is_file()


def test_db_upgrade_reads_database_url(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and sqlite_url in result.stdout


def test_db_upgrade_bad_url_is_one_line_exit_2() -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", "postgresql://app:hunter2@db:notaport/x"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and "sqlite:///" in lines[0]
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_db_upgrade_bad_database_url_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "not a url")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    assert "DATABASE_URL" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_console_script_bad_url_prints_no_traceback(tmp_path: Path) -> None:
    """The installed entry point, in its own process: exit 2, one line on stderr."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    completed = subprocess.run(
        [sys.executable, "-m", "storyanalytics.cli", "db", "upgrade", "--database-url", "nonsense"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**environment, "COLUMNS": "200"},
        timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr.strip().startswith("Error: cannot parse the database URL")
    assert len(completed.stderr.strip().splitlines()) == 1
