"""A whole local install moved to S3 + PostgreSQL: identical afterwards, and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

from migrate_helpers import LocalInstall, bucket_files, database_rows, local_files
from sqlalchemy import text

from storyanalytics.db import make_engine
from storyanalytics.migrate import migrate_local_to_cloud
from storyanalytics.storage import S3StorageBackend


def test_full_migration_copies_every_file_and_row_identically(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    report = migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server
    )

    assert report.ok
    assert bucket_files(moto_server, s3_target.bucket) == local_files(local_install.data_dir)
    assert database_rows(postgres_url) == database_rows(local_install.database_url)
    assert report.metadata is not None and all(table.verified for table in report.metadata.tables)


def test_second_run_copies_nothing(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    migrate_local_to_cloud(local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server)

    again = migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server
    )

    assert again.ok
    assert again.storage is not None and again.storage.copied == []
    assert len(again.storage.skipped) == len(local_files(local_install.data_dir))
    assert again.metadata is not None and again.metadata.rows_copied == 0
    assert {t.status for t in again.metadata.tables} <= {"already complete", "empty"}


def test_dry_run_writes_nothing_and_lists_what_would_be_copied(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    report = migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server, dry_run=True
    )

    assert bucket_files(moto_server, s3_target.bucket) == {}
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        tables = connection.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname='public'"))
        assert tables.scalar_one() == 0
    engine.dispose()
    assert report.storage is not None
    assert sorted(report.storage.copied) == sorted(local_files(local_install.data_dir))
    assert report.metadata is not None
    assert report.metadata.table("charts").status == "would copy"


def test_sequences_continue_after_the_copied_ids(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    migrate_local_to_cloud(local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server)

    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        largest = connection.execute(text("SELECT max(id) FROM chart_versions")).scalar_one()
        chart_id = local_install.chart_ids[0]
        new_id = connection.execute(
            text(
                "INSERT INTO chart_versions (chart_id, number, storage_key, message, created_at) "
                "VALUES (:chart, 99, 'versions/x/99.json', '', now()) RETURNING id"
            ),
            {"chart": chart_id},
        ).scalar_one()
    engine.dispose()
    assert new_id == largest + 1


def test_report_json_has_the_counts_and_no_password(
    local_install: LocalInstall,
    s3_target: S3StorageBackend,
    moto_server: str,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    secret_url = postgres_url.replace("postgres@", "postgres:s3cr3t-pw@")
    report_path = tmp_path / "migrate-report.json"

    migrate_local_to_cloud(
        local_install.data_dir,
        s3_target.bucket,
        secret_url,
        endpoint_url=moto_server,
        report_path=report_path,
    )

    written = report_path.read_text()
    assert "s3cr3t-pw" not in written
    data = json.loads(written)
    assert data["ok"] is True
    assert data["files"]["counts"]["copied"] == len(local_files(local_install.data_dir))
    assert data["metadata"]["rows_copied"] > 0


def test_report_warns_when_no_migrated_account_can_sign_in(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    engine = make_engine(local_install.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET password_hash = NULL"))
    engine.dispose()

    report = migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server, dry_run=True
    )

    assert any("nobody will be able to sign in" in note for note in report.notes)
