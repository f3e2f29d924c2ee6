"""POST /api/admin/import-metadata: the cloud app imports a local metadata.db uploaded to its bucket."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from apiclient import ADMIN_EMAIL, Api
from publishing_helpers import chart_with_data, edge_keys, publish

from storyanalytics.migrate.remote_import import new_import_key, snapshot_sqlite

pytestmark = pytest.mark.postgres


def upload(api: Api, data: bytes, key: str | None = None) -> str:
    key = key or new_import_key()
    asyncio.run(api.app.state.storage.write(key, data))
    return key


@pytest.fixture
def local_charts(local_api: Api, local_data_dir: Path) -> tuple[bytes, list[str]]:
    """A local install's metadata.db (snapshot) with two charts made through the local app."""
    ids = [local_api.chart(title=f"Local chart {n}")["id"] for n in range(2)]
    return snapshot_sqlite(local_data_dir / "metadata.db"), ids


def listed_titles(api: Api) -> set[str]:
    response = api.get("/api/charts")
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["title"] for item in items}


def test_admin_import_copies_the_rows_and_shares_them_with_the_admin(
    cloud_api: Api, local_charts: tuple[bytes, list[str]]
) -> None:
    data, _ = local_charts
    response = cloud_api.post(
        "/api/admin/import-metadata", json={"key": upload(cloud_api, data), "share_with": ADMIN_EMAIL}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] and report["shared_with"] == ADMIN_EMAIL
    assert {t["name"]: t["copied"] for t in report["tables"]}["charts"] == 2
    assert len(report["shared_teams"]) == 1
    assert {"Local chart 0", "Local chart 1"} <= listed_titles(cloud_api)


def test_report_never_names_the_database(cloud_api: Api, local_charts: tuple[bytes, list[str]]) -> None:
    response = cloud_api.post("/api/admin/import-metadata", json={"key": upload(cloud_api, local_charts[0])})
    database_url = cloud_api.settings.resolved_database_url
    host_and_name = database_url.split("@")[-1]
    assert response.status_code == 200 and host_and_name not in response.text
    assert response.json()["target"] == "the app's database"


def test_importing_again_duplicates_nothing(cloud_api: Api, local_charts: tuple[bytes, list[str]]) -> None:
    data, _ = local_charts
    first = cloud_api.post("/api/admin/import-metadata", json={"key": upload(cloud_api, data)})
    second = cloud_api.post("/api/admin/import-metadata", json={"key": upload(cloud_api, data)})
    assert first.status_code == second.status_code == 200, second.text
    assert second.json()["ok"] and second.json()["rows_copied"] == 0


def test_non_admin_is_403(cloud_api: Api, local_charts: tuple[bytes, list[str]]) -> None:
    member = cloud_api.new_user()
    key = upload(cloud_api, local_charts[0])
    response = cloud_api.client.post("/api/admin/import-metadata", json={"key": key}, headers=member)
    assert response.status_code == 403 and response.json()["detail"]


def test_without_a_token_is_401(cloud_api: Api) -> None:
    response = cloud_api.client.post("/api/admin/import-metadata", json={"key": new_import_key()})
    assert response.status_code == 401


@pytest.mark.parametrize("key", ["charts/abc.json", ".story-analytics/migration-probe", "../x/metadata.db"])
def test_key_outside_the_import_folder_is_refused(cloud_api: Api, key: str) -> None:
    response = cloud_api.post("/api/admin/import-metadata", json={"key": key})
    assert response.status_code == 422
    assert ".story-analytics/import/" in response.json()["detail"]


def test_missing_key_is_404_with_a_sentence(cloud_api: Api) -> None:
    response = cloud_api.post("/api/admin/import-metadata", json={"key": new_import_key()})
    assert response.status_code == 404 and "upload the metadata.db first" in response.json()["detail"]


def test_a_file_that_is_not_sqlite_is_422(cloud_api: Api) -> None:
    key = upload(cloud_api, b"year,value\n2020,1\n")
    response = cloud_api.post("/api/admin/import-metadata", json={"key": key})
    assert response.status_code == 422 and "is not a SQLite database" in response.json()["detail"]


def test_sqlite_without_our_schema_is_409_with_the_migration_sentence(cloud_api: Api, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
    response = cloud_api.post(
        "/api/admin/import-metadata", json={"key": upload(cloud_api, path.read_bytes())}
    )
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "has no Story Analytics schema" in detail and "sa-import-" not in detail


def test_without_merge_a_database_with_rows_is_refused(
    cloud_api: Api, local_charts: tuple[bytes, list[str]]
) -> None:
    key = upload(cloud_api, local_charts[0])
    response = cloud_api.post("/api/admin/import-metadata", json={"key": key, "merge": False})
    assert response.status_code == 409 and response.json()["detail"]


def test_sharing_with_an_unknown_account_is_refused_before_copying(
    cloud_api: Api, local_charts: tuple[bytes, list[str]]
) -> None:
    key = upload(cloud_api, local_charts[0])
    response = cloud_api.post(
        "/api/admin/import-metadata", json={"key": key, "share_with": "nobody@example.org"}
    )
    assert response.status_code == 409 and "no account nobody@example.org" in response.json()["detail"]
    assert "Local chart 0" not in listed_titles(cloud_api)


def test_local_mode_app_refuses_imports(local_api: Api) -> None:
    response = local_api.post("/api/admin/import-metadata", json={"key": new_import_key()})
    assert response.status_code == 409 and "SQLite" in response.json()["detail"]


def test_what_was_published_locally_is_published_on_the_edge_after_the_import(
    local_api: Api, local_data_dir: Path, edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    chart = chart_with_data(local_api, title="Published locally")
    public_id = publish(local_api, chart["id"])["public_id"]
    frozen = (local_data_dir / "charts" / f"{chart['id']}.public.json").read_bytes()
    asyncio.run(
        edge_api.app.state.storage.write(f"charts/{chart['id']}.public.json", frozen)
    )  # the file copy

    data = snapshot_sqlite(local_data_dir / "metadata.db")
    response = edge_api.post("/api/admin/import-metadata", json={"key": upload(edge_api, data)})

    assert response.status_code == 200, response.text
    assert response.json()["edge"]["written"] == 1
    assert edge_keys(s3_client, edge_bucket, f"embed/{public_id}") == [f"public/embed/{public_id}"]
