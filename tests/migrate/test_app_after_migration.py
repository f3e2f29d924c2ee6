"""The app started on the migrated bucket and database serves the same charts as the local app did.

Cloud auth for migrated data: the implicit local user has no password and cannot sign in, and the
cloud admin (ADMIN_EMAIL) is only created on an empty users table. So a person who wants to sign in
in the cloud needs an account with a password in the local install before migrating (here: Ada,
admin of the local team); the migration copies users as they are and adds no one.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from migrate_helpers import LOGIN_EMAIL, LOGIN_PASSWORD, LocalInstall, cloud_settings

from storyanalytics.api.app import create_app
from storyanalytics.config import load_settings
from storyanalytics.migrate import migrate_local_to_cloud
from storyanalytics.storage import S3StorageBackend


def charts_as_served(client: TestClient, chart_ids: list[str], headers: dict[str, str]) -> dict[str, Any]:
    served = {}
    for chart_id in chart_ids:
        response = client.get(f"/api/charts/{chart_id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        served[chart_id] = {key: body.get(key) for key in ("config", "title", "chart_type", "version")}
    return served


def test_cloud_app_on_the_migrated_data_serves_the_same_charts(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    local_settings = load_settings(data_dir=local_install.data_dir, _env_file=None)
    with TestClient(create_app(local_settings), base_url="http://127.0.0.1") as local_client:
        before = charts_as_served(local_client, local_install.chart_ids, {})

    report = migrate_local_to_cloud(
        local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server
    )
    assert report.ok

    settings = cloud_settings(s3_target.bucket, moto_server, postgres_url)
    with TestClient(create_app(settings), base_url="https://testserver") as cloud_client:
        assert cloud_client.get(f"/api/charts/{local_install.chart_ids[0]}").status_code == 401
        login = cloud_client.post("/api/auth/login", json={"email": LOGIN_EMAIL, "password": LOGIN_PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        after = charts_as_served(cloud_client, local_install.chart_ids, headers)

    assert after == before
    assert all(chart["config"] for chart in after.values())
