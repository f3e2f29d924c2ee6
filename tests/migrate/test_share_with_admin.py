"""Sharing the migrated local teams with the cloud admin, so the admin sees the local charts.

The flow as it happens after a deploy: the app starts on the empty cloud database and creates its
ADMIN_EMAIL admin, then the local install is migrated next to it (merge) and shared with that admin.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from migrate_helpers import LocalInstall, MigrateCli, bucket_files, cloud_settings

from storyanalytics.api.app import create_app
from storyanalytics.migrate import (
    MigrationError,
    MigrationReport,
    grant_admin_access,
    migrate_local_to_cloud,
)
from storyanalytics.storage import S3StorageBackend

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "cloud admin password 42"


@pytest.fixture
def deployed_database(s3_target: S3StorageBackend, moto_server: str, postgres_url: str) -> str:
    """The cloud database after the app's first start: schema and the ADMIN_EMAIL admin."""
    settings = cloud_settings(
        s3_target.bucket, moto_server, postgres_url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    with TestClient(create_app(settings), base_url="https://testserver"):
        pass
    return postgres_url


def _chart_statuses(
    s3_target: S3StorageBackend, endpoint: str, database_url: str, ids: list[str]
) -> set[int]:
    """What the admin gets for each chart from the cloud app."""
    with TestClient(
        create_app(cloud_settings(s3_target.bucket, endpoint, database_url)), base_url="https://testserver"
    ) as client:
        login = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        return {client.get(f"/api/charts/{chart_id}", headers=headers).status_code for chart_id in ids}


def _migrate(
    local_install: LocalInstall, s3_target: S3StorageBackend, endpoint: str, url: str, **options: Any
) -> MigrationReport:
    return migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, url, endpoint_url=endpoint, merge=True, **options
    )


def test_migration_shared_with_the_admin_lets_it_see_every_local_chart(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, deployed_database: str
) -> None:
    report = _migrate(
        local_install, s3_target, moto_server, deployed_database, share_with=ADMIN_EMAIL.upper()
    )
    assert report.ok and report.shared_with == ADMIN_EMAIL and len(report.shared_teams) == 1
    assert _chart_statuses(s3_target, moto_server, deployed_database, local_install.chart_ids) == {200}


def test_admin_sees_no_local_chart_until_granted_access(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, deployed_database: str
) -> None:
    assert _migrate(local_install, s3_target, moto_server, deployed_database).ok
    assert 200 not in _chart_statuses(s3_target, moto_server, deployed_database, local_install.chart_ids)
    assert len(grant_admin_access(deployed_database, ADMIN_EMAIL)) == 1
    assert _chart_statuses(s3_target, moto_server, deployed_database, local_install.chart_ids) == {200}


def test_granting_again_changes_nothing(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, deployed_database: str
) -> None:
    _migrate(local_install, s3_target, moto_server, deployed_database, share_with=ADMIN_EMAIL)
    assert grant_admin_access(deployed_database, ADMIN_EMAIL) == []


def test_unknown_share_account_is_refused_before_anything_is_written(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, deployed_database: str
) -> None:
    with pytest.raises(MigrationError, match=r"no account nobody@example\.org in the cloud database"):
        _migrate(local_install, s3_target, moto_server, deployed_database, share_with="nobody@example.org")
    assert bucket_files(moto_server, s3_target.bucket) == {}


def test_granting_before_the_migration_says_migrate_first(deployed_database: str) -> None:
    with pytest.raises(MigrationError, match=r"no migrated local user .*migrate the local data folder first"):
        grant_admin_access(deployed_database, ADMIN_EMAIL)


def test_share_with_something_that_is_not_an_email_is_refused(deployed_database: str) -> None:
    with pytest.raises(MigrationError, match="is not an email address"):
        grant_admin_access(deployed_database, "admin")


def test_cli_share_with_makes_the_admin_an_owner_and_reports_it(
    migrate_cli: MigrateCli, deployed_database: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    options = ["--merge", "--share-with", ADMIN_EMAIL, "--report", str(report)]
    result = migrate_cli.run(*options, env={"DATABASE_URL": deployed_database, "ADMIN_EMAIL": ""})
    assert result.exit_code == 0, result.output
    assert f"{ADMIN_EMAIL} now owns 1 more team(s)" in result.output
    assert len(json.loads(report.read_text())["shared_teams"]) == 1
