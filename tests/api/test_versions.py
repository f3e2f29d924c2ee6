"""/api/charts/{id}/versions: history in storage and the database; restore is a new version."""

from __future__ import annotations

import asyncio

from apiclient import Api

from storyanalytics.storage import StorageBackend, StorageUnavailable

CSV_TYPE = {"Content-Type": "text/csv"}


def edited_chart(api: Api) -> str:
    chart = api.chart(title="One", config={"mapping": {"x": "a"}})
    api.patch(
        f"/api/charts/{chart['id']}", json={"version": 1, "title": "Two", "config": {"mapping": {"x": "b"}}}
    )
    return str(chart["id"])


def test_every_saved_change_is_a_version_file(api: Api) -> None:
    chart_id = edited_chart(api)
    storage: StorageBackend = api.app.state.storage
    assert asyncio.run(storage.list(f"versions/{chart_id}/")) == [
        f"versions/{chart_id}/1.json",
        f"versions/{chart_id}/2.json",
    ]


def test_list_versions_newest_first(api: Api) -> None:
    chart_id = edited_chart(api)
    versions = api.get(f"/api/charts/{chart_id}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[1]["message"] == "Created" and versions[0]["created_by"]


def test_each_version_says_what_changed(api: Api) -> None:
    chart = api.chart(title="One", chart_type="bar", config={"mapping": {"x": "a"}})
    api.patch(
        f"/api/charts/{chart['id']}",
        json={
            "version": 1,
            "title": "Two",
            "chart_type": "line",
            "config": {"mapping": {"x": "a"}, "options": {"value_labels": "inside", "alt": "Rising"}},
        },
    )
    versions = api.get(f"/api/charts/{chart['id']}/versions").json()
    assert versions[0]["message"] == "Title, chart type: bar → line, alternative text, value labels"


def test_get_version_returns_that_state(api: Api) -> None:
    chart_id = edited_chart(api)
    version = api.get(f"/api/charts/{chart_id}/versions/1").json()
    assert version["number"] == 1
    assert version["chart"]["title"] == "One" and version["chart"]["config"] == {"mapping": {"x": "a"}}


def test_restore_creates_a_new_version_with_the_old_state(api: Api) -> None:
    chart_id = edited_chart(api)
    restored = api.post(f"/api/charts/{chart_id}/versions/1/restore")
    assert restored.status_code == 200
    assert restored.json()["version"] == 3 and restored.json()["title"] == "One"
    assert restored.json()["config"] == {"mapping": {"x": "a"}}
    versions = api.get(f"/api/charts/{chart_id}/versions").json()
    assert versions[0]["number"] == 3 and versions[0]["message"] == "Restored version 1"


def test_unknown_version_is_404(api: Api) -> None:
    chart_id = edited_chart(api)
    assert api.get(f"/api/charts/{chart_id}/versions/9").status_code == 404
    assert api.post(f"/api/charts/{chart_id}/versions/9/restore").status_code == 404


def test_restoring_a_version_restores_the_data_it_was_made_with(api: Api) -> None:
    chart = api.chart(title="Sales")
    first = api.put(f"/api/charts/{chart['id']}/data", content=b"year,sales\n2020,1\n", headers=CSV_TYPE)
    assert first.status_code == 200
    edited = api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "title": "Sales 2020"})
    assert edited.status_code == 200  # version 2: made with the 2020 data
    api.put(f"/api/charts/{chart['id']}/data", content=b"year,sales\n2021,9\n", headers=CSV_TYPE)
    assert api.get(f"/api/charts/{chart['id']}/data").json()["rows"] == [{"year": 2021, "sales": 9}]
    assert api.post(f"/api/charts/{chart['id']}/versions/2/restore").status_code == 200
    assert api.get(f"/api/charts/{chart['id']}/data").json()["rows"] == [{"year": 2020, "sales": 1}]


def sales_chart_restored_to_2020(api: Api) -> str:
    """Version 2 made with the 2020 data, then 2021 data uploaded, then version 2 restored (version 3)."""
    chart_id = str(api.chart(title="Sales")["id"])
    api.put(f"/api/charts/{chart_id}/data", content=b"year,sales\n2020,1\n", headers=CSV_TYPE)
    api.patch(f"/api/charts/{chart_id}", json={"version": 1, "title": "Sales 2020"})
    api.put(f"/api/charts/{chart_id}/data", content=b"year,sales\n2021,9\n", headers=CSV_TYPE)
    assert api.post(f"/api/charts/{chart_id}/versions/2/restore").status_code == 200
    return chart_id


def test_the_version_a_restore_makes_records_the_data_it_restored(api: Api) -> None:
    chart_id = sales_chart_restored_to_2020(api)
    api.put(f"/api/charts/{chart_id}/data", content=b"year,sales\n2022,5\n", headers=CSV_TYPE)
    assert api.post(f"/api/charts/{chart_id}/versions/3/restore").status_code == 200
    assert api.get(f"/api/charts/{chart_id}/data").json()["rows"] == [{"year": 2020, "sales": 1}]


class WritesFail(StorageBackend):
    """The app's storage, except that writes fail as when S3 is away."""

    def __init__(self, inner: StorageBackend) -> None:
        self.inner = inner

    async def read(self, path: str) -> bytes:
        return await self.inner.read(path)

    async def write(self, path: str, data: bytes) -> None:
        raise StorageUnavailable(f"cannot write {path!r}: S3 is away")

    async def delete(self, path: str) -> None:
        await self.inner.delete(path)

    async def list(self, prefix: str = "") -> list[str]:
        return await self.inner.list(prefix)

    async def exists(self, path: str) -> bool:
        return await self.inner.exists(path)


def test_a_restore_storage_cannot_save_changes_neither_the_chart_nor_its_data(api: Api) -> None:
    chart = api.chart(title="Sales")
    api.put(f"/api/charts/{chart['id']}/data", content=b"year,sales\n2020,1\n", headers=CSV_TYPE)
    api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "title": "Sales 2020"})
    api.put(f"/api/charts/{chart['id']}/data", content=b"year,sales\n2021,9\n", headers=CSV_TYPE)
    storage = api.app.state.storage
    api.app.state.storage = WritesFail(storage)
    try:
        assert api.post(f"/api/charts/{chart['id']}/versions/2/restore").status_code == 503
    finally:
        api.app.state.storage = storage
    assert api.get(f"/api/charts/{chart['id']}").json()["version"] == 2
    assert api.get(f"/api/charts/{chart['id']}/data").json()["rows"] == [{"year": 2021, "sales": 9}]
