"""Migrating through the app: the cloud database is private, so the app (inside the VPC) imports the
metadata from its bucket. The app runs in cloud mode on moto's S3 and a real PostgreSQL database; the
migration talks to it through a TestClient standing in for HTTPS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from migrate_helpers import LocalInstall, MigrateCli, bucket_files, cloud_settings, database_rows, local_files

from storyanalytics.api.app import create_app
from storyanalytics.migrate import MigrationError, MigrationReport, migrate_local_to_cloud, remote_import
from storyanalytics.migrate.remote_import import Transport, import_metadata_via_app
from storyanalytics.storage import S3StorageBackend

pytestmark = pytest.mark.postgres

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "cloud admin password 42"
APP_URL = "https://testserver"
# Rows the sign-in itself adds (refresh tokens) or the sharing adds (the admin's memberships).
CHANGED_BY_SIGN_IN = {"refresh_tokens", "memberships"}


def transport_through(client: TestClient) -> Transport:
    def send(method: str, url: str, body: dict[str, Any] | None, headers: dict[str, str]) -> tuple[int, Any]:
        response = client.request(method, url, json=body, headers=headers)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    return send


@pytest.fixture
def app_client(s3_target: S3StorageBackend, moto_server: str, postgres_url: str) -> Iterator[TestClient]:
    """The deployed app: cloud mode, its ADMIN_EMAIL admin created at first start."""
    settings = cloud_settings(
        s3_target.bucket, moto_server, postgres_url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    with TestClient(create_app(settings), base_url=APP_URL) as client:
        yield client


def migrate_via_app(
    local_install: LocalInstall,
    s3_target: S3StorageBackend,
    moto_server: str,
    client: TestClient,
    **extra: Any,
) -> MigrationReport:
    options: dict[str, Any] = {
        "merge": True,
        "app_url": APP_URL,
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "transport": transport_through(client),
    }
    return migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, "", endpoint_url=moto_server, **(options | extra)
    )


def counted(rows: list[tuple[object, ...]]) -> Counter[str]:
    """Rows as a multiset (JSON columns are dicts, so compared by their repr)."""
    return Counter(map(repr, rows))


def chart_statuses(client: TestClient, ids: list[str]) -> set[int]:
    login = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return {client.get(f"/api/charts/{chart_id}", headers=headers).status_code for chart_id in ids}


def test_files_and_rows_arrive_through_the_app_row_for_row(
    local_install: LocalInstall,
    s3_target: S3StorageBackend,
    moto_server: str,
    postgres_url: str,
    app_client: TestClient,
) -> None:
    before = database_rows(postgres_url)
    report = migrate_via_app(local_install, s3_target, moto_server, app_client)
    assert report.ok and report.metadata is not None and report.metadata.rows_copied > 0
    assert bucket_files(moto_server, s3_target.bucket) == local_files(local_install.data_dir)
    after, source = database_rows(postgres_url), database_rows(local_install.database_url)
    for table, rows in after.items():
        if table in CHANGED_BY_SIGN_IN:
            assert not counted(source[table]) - counted(rows), table
        else:
            assert counted(rows) == counted(before[table]) + counted(source[table]), table


def test_shared_with_the_admin_it_sees_every_local_chart(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, app_client: TestClient
) -> None:
    report = migrate_via_app(local_install, s3_target, moto_server, app_client, share_with=ADMIN_EMAIL)
    assert report.ok and report.shared_with == ADMIN_EMAIL and len(report.shared_teams) == 1
    assert chart_statuses(app_client, local_install.chart_ids) == {200}


def test_running_again_duplicates_nothing(
    local_install: LocalInstall,
    s3_target: S3StorageBackend,
    moto_server: str,
    postgres_url: str,
    app_client: TestClient,
) -> None:
    migrate_via_app(local_install, s3_target, moto_server, app_client, share_with=ADMIN_EMAIL)
    first = database_rows(postgres_url)
    again = migrate_via_app(local_install, s3_target, moto_server, app_client, share_with=ADMIN_EMAIL)
    assert again.ok and again.metadata is not None and again.metadata.rows_copied == 0
    assert again.storage is not None and again.storage.copied == [] and again.shared_teams == []
    second = database_rows(postgres_url)
    assert {t: r for t, r in second.items() if t != "refresh_tokens"} == {
        t: r for t, r in first.items() if t != "refresh_tokens"
    }


def test_the_uploaded_database_is_removed_from_the_bucket(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, app_client: TestClient
) -> None:
    migrate_via_app(local_install, s3_target, moto_server, app_client)
    keys = bucket_files(moto_server, s3_target.bucket)
    assert not [key for key in keys if key.startswith(".story-analytics")]


def test_wrong_password_is_refused_before_anything_is_written(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, app_client: TestClient
) -> None:
    with pytest.raises(MigrationError, match=r"refused the email or password for admin@example\.org"):
        migrate_via_app(local_install, s3_target, moto_server, app_client, admin_password="wrong")
    assert bucket_files(moto_server, s3_target.bucket) == {}


def test_a_non_admin_account_is_refused_before_anything_is_written(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, app_client: TestClient
) -> None:
    login = app_client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    created = app_client.post(
        "/api/users", json={"email": "member@example.org", "password": "lantern-orbit-77"}, headers=headers
    )
    assert created.status_code == 201, created.text
    with pytest.raises(MigrationError, match=r"member@example\.org is not an admin"):
        migrate_via_app(
            local_install,
            s3_target,
            moto_server,
            app_client,
            admin_email="member@example.org",
            admin_password="lantern-orbit-77",
        )
    assert bucket_files(moto_server, s3_target.bucket) == {}


def test_an_unreachable_app_is_one_sentence(local_install: LocalInstall, s3_target: S3StorageBackend) -> None:
    with pytest.raises(MigrationError, match=r"cannot reach the app at https://127\.0\.0\.1:9 .*AppUrl"):
        import_metadata_via_app(
            "https://127.0.0.1:9",
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
            sqlite_path=local_install.data_dir / "metadata.db",
            storage=s3_target,
        )


def test_without_database_url_or_app_url_says_what_to_pass(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str
) -> None:
    with pytest.raises(MigrationError, match="--app-url and --admin-email"):
        migrate_local_to_cloud(local_install.data_dir, s3_target.bucket, "", endpoint_url=moto_server)


def test_library_call_returns_the_apps_report(
    local_install: LocalInstall, s3_target: S3StorageBackend, app_client: TestClient
) -> None:
    body = import_metadata_via_app(
        APP_URL,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        sqlite_path=local_install.data_dir / "metadata.db",
        storage=s3_target,
        share_with=ADMIN_EMAIL,
        transport=transport_through(app_client),
    )
    assert body["ok"] and body["target"] == "the app's database" and len(body["shared_teams"]) == 1


def test_cli_app_url_reads_the_password_from_the_environment(
    migrate_cli: MigrateCli,
    local_install: LocalInstall,
    app_client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(remote_import, "urllib_transport", lambda **_: transport_through(app_client))
    options = ["--merge", "--app-url", APP_URL, "--admin-email", ADMIN_EMAIL, "--share-with", ADMIN_EMAIL]
    options += ["--report", str(tmp_path / "report.json")]
    result = migrate_cli.run(*options, env={"DATABASE_URL": "", "ADMIN_PASSWORD": ADMIN_PASSWORD})
    assert result.exit_code == 0, result.output
    assert "imported the metadata" in result.output and ADMIN_PASSWORD not in result.output
    assert chart_statuses(app_client, local_install.chart_ids) == {200}
