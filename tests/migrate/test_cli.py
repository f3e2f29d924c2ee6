"""`story-analytics migrate`: progress, summary table, JSON report, and one sentence for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from migrate_helpers import MigrateCli


def test_cli_migrates_with_the_database_url_from_the_environment(
    migrate_cli: MigrateCli, postgres_url: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = migrate_cli.run("--report", str(report), env={"DATABASE_URL": postgres_url})

    assert result.exit_code == 0, result.output
    assert "Migration summary" in result.output and "verified" in result.output
    assert json.loads(report.read_text())["ok"] is True


def test_cli_answers_bad_input_with_one_sentence(
    migrate_cli: MigrateCli, postgres_url: str, tmp_path: Path
) -> None:
    result = migrate_cli.run(env={"DATABASE_URL": postgres_url}, data_dir=tmp_path / "missing")

    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("flag", ["--dry-run"])
def test_cli_dry_run_says_nothing_was_written(
    migrate_cli: MigrateCli, postgres_url: str, tmp_path: Path, flag: str
) -> None:
    result = migrate_cli.run("--report", str(tmp_path / "r.json"), flag, env={"DATABASE_URL": postgres_url})

    assert result.exit_code == 0, result.output
    assert "nothing was written" in result.output
