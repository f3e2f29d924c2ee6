"""GET /api/charts/<id>: one query and cached bytes, yet always the current version, data and access."""

from __future__ import annotations

import asyncio

import pytest
from apiclient import Api
from starlette.routing import Router
from starlette.types import Receive, Scope, Send
from test_uploads import CSV, upload

from storyanalytics.storage import StorageBackend, StorageUnavailable


def test_get_answers_the_bytes_the_update_route_answers(api: Api) -> None:
    chart = api.chart(title="Rents")
    updated = api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "config": {"mapping": {"x": "a"}}})
    assert updated.status_code == 200
    response = api.get(f"/api/charts/{chart['id']}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.content == updated.content


def test_get_shows_each_new_version_after_it_was_read(api: Api) -> None:
    chart = api.chart()
    for version in (1, 2, 3):
        assert api.get(f"/api/charts/{chart['id']}").json()["version"] == version
        body = {"version": version, "title": f"Take {version}", "config": {"notes": str(version)}}
        assert api.patch(f"/api/charts/{chart['id']}", json=body).status_code == 200
        current = api.get(f"/api/charts/{chart['id']}").json()
        assert (current["version"], current["title"]) == (version + 1, f"Take {version}")
        assert current["config"] == {"notes": str(version)}


def test_get_shows_newest_upload_and_publish_state(api: Api) -> None:
    chart = api.chart()
    assert api.get(f"/api/charts/{chart['id']}").json()["data"] is None
    assert upload(api, chart["id"], CSV).status_code == 200
    assert api.get(f"/api/charts/{chart['id']}").json()["data"]["row_count"] == 2
    assert api.post(f"/api/charts/{chart['id']}/publish").status_code == 200
    assert api.get(f"/api/charts/{chart['id']}").json()["is_published"] is True
    assert api.delete(f"/api/charts/{chart['id']}/publish").status_code in (200, 204)
    assert api.get(f"/api/charts/{chart['id']}").json()["is_published"] is False


def test_get_falls_back_to_the_chart_file_without_the_version_snapshot(api: Api) -> None:
    chart = api.chart(config={"notes": "kept"})
    storage: StorageBackend = api.app.state.storage
    asyncio.run(storage.delete(f"versions/{chart['id']}/1.json"))
    assert api.get(f"/api/charts/{chart['id']}").json()["config"] == {"notes": "kept"}


def test_get_answers_401_to_a_disabled_user_after_a_cached_read(cloud_api: Api) -> None:
    headers = cloud_api.new_user("dora@example.org")
    user = cloud_api.client.get("/api/auth/me", headers=headers).json()
    chart = cloud_api.client.post("/api/charts", json={"title": "Mine"}, headers=headers).json()
    assert cloud_api.client.get(f"/api/charts/{chart['id']}", headers=headers).status_code == 200
    assert cloud_api.patch(f"/api/users/{user['id']}", json={"is_active": False}).status_code == 200
    assert cloud_api.client.get(f"/api/charts/{chart['id']}", headers=headers).status_code == 401


def test_get_answers_404_once_a_cached_chart_is_deleted(api: Api) -> None:
    chart = api.chart()
    assert api.get(f"/api/charts/{chart['id']}").status_code == 200
    assert api.delete(f"/api/charts/{chart['id']}").status_code == 204
    assert api.get(f"/api/charts/{chart['id']}").status_code == 404


def test_opening_a_chart_is_answered_before_routing_with_every_routes_headers(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Routing costs about a third of this read (bench/api.py); its errors are answered there too."""
    chart = api.chart()
    routed: list[str] = []
    route = Router.__call__

    async def counting(self: Router, scope: Scope, receive: Receive, send: Send) -> None:
        routed.append(scope["path"])
        await route(self, scope, receive, send)

    monkeypatch.setattr(Router, "__call__", counting)
    response = api.get(f"/api/charts/{chart['id']}")
    assert response.status_code == 200 and response.json()["id"] == chart["id"]
    assert response.headers["cache-control"] == "no-store" and response.headers["x-frame-options"] == "DENY"
    assert routed == []
    missing = api.get("/api/charts/no-such-chart")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("No chart with this id")
    assert missing.headers["x-frame-options"] == "DENY"
    assert routed == []


def test_opening_a_chart_while_storage_is_down_asks_storage_once_and_answers_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hung S3 costs an editor one storage deadline, not two (bench/load.py's slowest editor answer)."""
    chart = api.chart()
    storage: StorageBackend = api.app.state.storage
    reads: list[str] = []

    async def unavailable(path: str) -> bytes:
        reads.append(path)
        raise StorageUnavailable("S3 did not answer within 2 s", retry_after=2)

    monkeypatch.setattr(storage, "read", unavailable)
    response = api.get(f"/api/charts/{chart['id']}")
    assert response.status_code == 503 and response.json()["detail"].startswith("Storage is not answering")
    assert reads == [f"versions/{chart['id']}/1.json"]
