"""`story-analytics migrate`: progress, summary table, JSON report, and one sentence for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from migrate_helpers import LocalInstall
from typer.testing import CliRunner

from storyanalytics.cli import app
from storyanalytics.storage import S3StorageBackend


def test_cli_migrates_with_the_database_url_from_the_environment(
    local_install: LocalInstall,
    s3_target: S3StorageBackend,
    moto_server: str,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        [
            "migrate",
            "--data-dir",
            str(local_install.data_dir),
            "--bucket",
            s3_target.bucket,
            "--endpoint-url",
            moto_server,
            "--report",
            str(report),
        ],
        env={"DATABASE_URL": postgres_url},
    )

    assert result.exit_code == 0, result.output
    assert "Migration summary" in result.output and "verified" in result.output
    assert json.loads(report.read_text())["ok"] is True


def test_cli_answers_bad_input_with_one_sentence(
    tmp_path: Path, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "migrate",
            "--data-dir",
            str(tmp_path / "missing"),
            "--bucket",
            s3_target.bucket,
            "--endpoint-url",
            moto_server,
        ],
        env={"DATABASE_URL": postgres_url},
    )

    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("flag", ["--dry-run"])
def test_cli_dry_run_says_nothing_was_written(
    local_install: LocalInstall,
    s3_target: S3StorageBackend,
    moto_server: str,
    postgres_url: str,
    tmp_path: Path,
    flag: str,
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "migrate",
            "--data-dir",
            str(local_install.data_dir),
            "--bucket",
            s3_target.bucket,
            "--endpoint-url",
            moto_server,
            "--report",
            str(tmp_path / "r.json"),
            flag,
        ],
        env={"DATABASE_URL": postgres_url},
    )

    assert result.exit_code == 0, result.output
    assert "nothing was written" in result.output
