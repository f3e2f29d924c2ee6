"""/api/charts: create, read, list, update with optimistic concurrency, delete."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from apiclient import Api

from storyanalytics.storage import StorageBackend


def stored(api: Api, key: str) -> Any:
    storage: StorageBackend = api.app.state.storage
    return json.loads(asyncio.run(storage.read(key)))


def exists(api: Api, key: str) -> bool:
    storage: StorageBackend = api.app.state.storage
    return asyncio.run(storage.exists(key))


def test_create_returns_chart_with_default_config(api: Api) -> None:
    chart = api.chart(title="Rents", chart_type="line", description="Monthly")
    assert chart["title"] == "Rents" and chart["chart_type"] == "line" and chart["version"] == 1
    assert chart["config"]["mapping"] == {"x": None, "y": None, "color": None, "size": None, "facet": None}
    assert chart["data"] is None and chart["is_published"] is False and chart["public_id"] is None


def test_config_lives_in_storage_and_metadata_in_the_database(api: Api) -> None:
    config = {"mapping": {"x": "year", "y": "rent"}, "source": "ONS", "notes": "", "options": {"a": 1}}
    chart = api.chart(config=config)
    assert stored(api, f"charts/{chart['id']}.json") == config
    assert api.get(f"/api/charts/{chart['id']}").json()["config"] == config


def test_list_filters_by_folder_and_searches_title(api: Api) -> None:
    folder = api.post("/api/folders", json={"name": "Housing"}).json()
    api.chart(title="Rent by city", folder_id=folder["id"])
    api.chart(title="Rent by year")
    api.chart(title="Unemployment 100%")
    assert {c["title"] for c in api.get("/api/charts", params={"q": "RENT"}).json()} == {
        "Rent by city",
        "Rent by year",
    }
    assert [c["title"] for c in api.get("/api/charts", params={"folder_id": folder["id"]}).json()] == [
        "Rent by city"
    ]
    assert [c["title"] for c in api.get("/api/charts", params={"q": "100%"}).json()] == ["Unemployment 100%"]
    assert api.get("/api/charts", params={"q": "%"}).json()[0]["title"] == "Unemployment 100%"


def test_update_with_current_version_saves_and_bumps_version(api: Api) -> None:
    chart = api.chart()
    response = api.patch(
        f"/api/charts/{chart['id']}", json={"version": 1, "title": "New", "config": {"mapping": {"x": "a"}}}
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2 and response.json()["title"] == "New"
    assert stored(api, f"charts/{chart['id']}.json") == {"mapping": {"x": "a"}}


def test_stale_version_is_409_and_changes_nothing(api: Api) -> None:
    chart = api.chart(title="Original")
    api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "title": "First"})
    response = api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "title": "Stale"})
    assert response.status_code == 409
    assert "version 2" in response.json()["detail"]
    current = api.get(f"/api/charts/{chart['id']}").json()
    assert current["title"] == "First" and current["version"] == 2


def test_if_match_header_carries_the_version(api: Api) -> None:
    chart = api.chart()
    ok = api.patch(f"/api/charts/{chart['id']}", json={"title": "A"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    stale = api.patch(f"/api/charts/{chart['id']}", json={"title": "B"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409


def test_update_without_version_is_422(api: Api) -> None:
    chart = api.chart()
    response = api.patch(f"/api/charts/{chart['id']}", json={"title": "A"})
    assert response.status_code == 422
    assert "If-Match" in response.json()["detail"]


def test_two_concurrent_updates_one_409_no_lost_update(api: Api) -> None:
    """Both pass the early version check (storage reads are slowed); the conditional UPDATE decides."""
    chart = api.chart(title="Start", config={"mapping": {"x": "start"}})
    real_storage: StorageBackend = api.app.state.storage

    class SlowReads(StorageBackend):
        async def read(self, path: str) -> bytes:
            await asyncio.sleep(0.2)
            return await real_storage.read(path)

        async def write(self, path: str, data: bytes) -> None:
            await real_storage.write(path, data)

        async def delete(self, path: str) -> None:
            await real_storage.delete(path)

        async def list(self, prefix: str = "") -> list[str]:
            return await real_storage.list(prefix)

        async def exists(self, path: str) -> bool:
            return await real_storage.exists(path)

    api.app.state.storage = SlowReads()

    async def both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://testserver", headers=api.headers
        ) as c:
            return list(
                await asyncio.gather(
                    c.patch(f"/api/charts/{chart['id']}", json={"version": 1, "title": "Alice"}),
                    c.patch(f"/api/charts/{chart['id']}", json={"version": 1, "title": "Bob"}),
                )
            )

    responses = asyncio.run(both())
    api.app.state.storage = real_storage
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    current = api.get(f"/api/charts/{chart['id']}").json()
    assert current["title"] == winner["title"] and current["version"] == 2
    assert current["config"] == {"mapping": {"x": "start"}}
    assert [v["number"] for v in api.get(f"/api/charts/{chart['id']}/versions").json()] == [2, 1]


def test_moving_a_chart_into_a_folder_and_back(api: Api) -> None:
    folder = api.post("/api/folders", json={"name": "F"}).json()
    chart = api.chart()
    moved = api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "folder_id": folder["id"]}).json()
    assert moved["folder_id"] == folder["id"]
    back = api.patch(f"/api/charts/{chart['id']}", json={"version": 2, "folder_id": None}).json()
    assert back["folder_id"] is None


def test_unknown_folder_is_404(api: Api) -> None:
    response = api.post("/api/charts", json={"folder_id": "f" * 32})
    assert response.status_code == 404


def test_delete_removes_row_and_files(api: Api) -> None:
    chart = api.chart()
    api.put(f"/api/charts/{chart['id']}/data", content=b"a,b\n1,2\n", headers={"content-type": "text/csv"})
    assert api.delete(f"/api/charts/{chart['id']}").status_code == 204
    assert api.get(f"/api/charts/{chart['id']}").status_code == 404
    storage: StorageBackend = api.app.state.storage
    leftovers = [key for key in asyncio.run(storage.list("")) if chart["id"] in key]
    assert leftovers == []


def test_missing_chart_is_404(api: Api) -> None:
    response = api.get("/api/charts/" + "0" * 32)
    assert response.status_code == 404
    assert response.json()["detail"]
