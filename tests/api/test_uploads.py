"""Chart data uploads: parsing, type inference, limits, and nothing stored on failure."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from apiclient import Api, local_settings

from storyanalytics.storage import StorageBackend

CSV = b"city,rent,opened,open\nLeeds,650.5,2020-01-31,true\nYork,700,2021-02-01,false\n"


def upload(api: Api, chart_id: str, body: bytes, content_type: str = "text/csv"):  # type: ignore[no-untyped-def]
    return api.put(f"/api/charts/{chart_id}/data", content=body, headers={"content-type": content_type})


def stored_uploads(api: Api, chart_id: str) -> list[str]:
    storage: StorageBackend = api.app.state.storage
    return asyncio.run(storage.list(f"uploads/{chart_id}/"))


def test_text_csv_body_is_parsed_typed_and_stored(api: Api) -> None:
    chart = api.chart()
    response = upload(api, chart["id"], CSV)
    assert response.status_code == 200
    body = response.json()
    assert body["columns"] == [
        {"name": "city", "type": "string"},
        {"name": "rent", "type": "number"},
        {"name": "opened", "type": "date"},
        {"name": "open", "type": "boolean"},
    ]
    assert body["row_count"] == 2
    assert body["preview"][0] == ["Leeds", 650.5, "2020-01-31", True]
    keys = stored_uploads(api, chart["id"])
    assert len(keys) == 1 and keys[0].endswith(".csv")
    assert api.get(f"/api/charts/{chart['id']}").json()["data"]["row_count"] == 2


def test_multipart_file_field_is_accepted(api: Api) -> None:
    chart = api.chart()
    response = api.put(f"/api/charts/{chart['id']}/data", files={"file": ("rents.csv", CSV, "text/csv")})
    assert response.status_code == 200
    assert response.json()["row_count"] == 2


def test_get_data_returns_records(api: Api) -> None:
    chart = api.chart()
    upload(api, chart["id"], CSV)
    data = api.get(f"/api/charts/{chart['id']}/data").json()
    assert data["rows"][1] == {"city": "York", "rent": 700, "opened": "2021-02-01", "open": False}


def test_new_upload_replaces_the_data(api: Api) -> None:
    chart = api.chart()
    upload(api, chart["id"], CSV)
    upload(api, chart["id"], b"x\n1\n2\n3\n")
    data = api.get(f"/api/charts/{chart['id']}/data").json()
    assert data["columns"] == [{"name": "x", "type": "number"}] and len(data["rows"]) == 3


@pytest.mark.parametrize(
    ("raw", "delimiter_name"),
    [(b"a;b\n1;2\n", "semicolon"), (b"a\tb\n1\t2\n", "tab"), (b"a|b\n1|2\n", "pipe")],
)
def test_delimiter_is_sniffed(local_api: Api, raw: bytes, delimiter_name: str) -> None:
    info = local_api.post("/api/uploads/parse", content=raw, headers={"content-type": "text/csv"}).json()
    assert [c["name"] for c in info["columns"]] == ["a", "b"], delimiter_name


def test_utf8_bom_and_latin1_are_decoded(local_api: Api) -> None:
    bom = local_api.post("/api/uploads/parse", content=b"\xef\xbb\xbfname\nJos\xc3\xa9\n").json()
    assert bom["columns"][0]["name"] == "name" and bom["preview"] == [["José"]]
    latin = local_api.post("/api/uploads/parse", content=b"name\nJos\xe9\n").json()
    assert latin["preview"] == [["José"]]


def test_ragged_row_is_422_naming_the_line_and_stores_nothing(api: Api) -> None:
    chart = api.chart()
    response = upload(api, chart["id"], b"a,b\n1,2\n3,4\n5\n6,7\n")
    assert response.status_code == 422
    assert "Line 4" in response.json()["detail"]
    assert stored_uploads(api, chart["id"]) == []
    assert api.get(f"/api/charts/{chart['id']}").json()["data"] is None


def test_empty_and_binary_files_are_422(local_api: Api) -> None:
    assert local_api.post("/api/uploads/parse", content=b"").status_code == 422
    assert local_api.post("/api/uploads/parse", content=b"\x89PNG\r\n\x1a\n\x00\x00").status_code == 422


def test_parse_does_not_store_anything(local_api: Api) -> None:
    response = local_api.post("/api/uploads/parse", files={"file": ("d.csv", CSV)})
    assert response.status_code == 200 and response.json()["row_count"] == 2
    storage: StorageBackend = local_api.app.state.storage
    assert asyncio.run(storage.list("uploads/")) == []


def test_multipart_without_file_field_is_422(local_api: Api) -> None:
    response = local_api.post("/api/uploads/parse", files={"other": ("d.csv", CSV)})
    assert response.status_code == 422
    assert "'file'" in response.json()["detail"]


def test_unsupported_content_type_is_415(local_api: Api) -> None:
    response = local_api.post("/api/uploads/parse", json={"csv": "a,b"})
    assert response.status_code == 415


def test_over_the_limit_is_413_and_stores_nothing(local_data_dir: Path, start_api) -> None:  # type: ignore[no-untyped-def]
    api = start_api(local_settings(local_data_dir, max_upload_mb=1), "local")
    chart = api.chart()
    big = b"a,b\n" + b"1,2\n" * (300 * 1024)
    assert upload(api, chart["id"], big).status_code == 413
    assert api.put(f"/api/charts/{chart['id']}/data", files={"file": ("big.csv", big)}).status_code == 413
    assert stored_uploads(api, chart["id"]) == []


def test_streamed_body_without_length_is_counted(local_data_dir: Path, start_api) -> None:  # type: ignore[no-untyped-def]
    api = start_api(local_settings(local_data_dir, max_upload_mb=1), "local")

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(300):
            yield b"1,2\n" * 1024

    response = api.post("/api/uploads/parse", content=chunks(), headers={"content-type": "text/csv"})
    assert response.status_code == 413
