"""Large CSVs: the browser sends them to the bucket through a presigned POST; the app takes them in."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from apiclient import Api

from storyanalytics.storage import StorageBackend

CSV = b"city,rent\nLeeds,650\nYork,700\n"
pytestmark = pytest.mark.postgres


def ask(api: Api, chart_id: str, size: int = len(CSV)):  # type: ignore[no-untyped-def]
    body = {"filename": "rents.csv", "size": size}
    return api.post(f"/api/charts/{chart_id}/data/direct-upload", json=body)


def send_to_bucket(form: dict, body: bytes) -> httpx.Response:  # type: ignore[type-arg]
    """What the browser does: the signed fields, then the file, as one multipart POST to S3."""
    return httpx.post(form["url"], data=form["fields"], files={"file": ("rents.csv", body, "text/csv")})


def take_in(api: Api, chart_id: str, key: str):  # type: ignore[no-untyped-def]
    return api.post(f"/api/charts/{chart_id}/data/from-upload", json={"key": key, "filename": "rents.csv"})


def keys(api: Api, prefix: str) -> list[str]:
    storage: StorageBackend = api.app.state.storage
    return asyncio.run(storage.list(prefix))


def test_csv_sent_to_the_bucket_becomes_the_charts_data(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    form = ask(cloud_api, chart["id"]).json()
    assert send_to_bucket(form, CSV).status_code in (200, 204)
    response = take_in(cloud_api, chart["id"], form["key"])
    assert response.status_code == 200, response.text
    assert response.json()["row_count"] == 2
    assert cloud_api.get(f"/api/charts/{chart['id']}/data").json()["rows"][1] == {"city": "York", "rent": 700}
    assert len(keys(cloud_api, f"uploads/{chart['id']}/")) == 1


def test_the_bucket_copy_is_removed_once_taken_in(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    form = ask(cloud_api, chart["id"]).json()
    send_to_bucket(form, CSV)
    take_in(cloud_api, chart["id"], form["key"])
    assert keys(cloud_api, f"incoming/{chart['id']}/") == []


def test_direct_upload_form_is_for_one_key_under_the_charts_incoming_folder(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    form = ask(cloud_api, chart["id"]).json()
    assert form["key"].startswith(f"incoming/{chart['id']}/") and form["key"].endswith(".csv")
    assert form["fields"]["key"] == form["key"]
    assert form["max_bytes"] == cloud_api.app.state.settings.max_upload_mb * 1024 * 1024
    assert 0 < form["expires_in"] <= 3600


def test_direct_upload_larger_than_max_upload_mb_is_refused_before_signing(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    limit = cloud_api.app.state.settings.max_upload_mb * 1024 * 1024
    response = ask(cloud_api, chart["id"], size=limit + 1)
    assert response.status_code == 413
    assert "MAX_UPLOAD_MB" in response.json()["detail"]


def test_taking_in_a_key_issued_for_another_chart_is_refused(cloud_api: Api) -> None:
    first, second = cloud_api.chart(), cloud_api.chart()
    form = ask(cloud_api, first["id"]).json()
    send_to_bucket(form, CSV)
    response = take_in(cloud_api, second["id"], form["key"])
    assert response.status_code == 422
    assert "not issued for this chart" in response.json()["detail"]


@pytest.mark.parametrize("key", ["uploads/x/y.csv", "incoming/../charts/a.json", "settings.json"])
def test_taking_in_a_key_outside_incoming_is_refused(cloud_api: Api, key: str) -> None:
    chart = cloud_api.chart()
    assert take_in(cloud_api, chart["id"], key).status_code == 422


def test_taking_in_a_file_never_sent_says_to_upload_again(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    form = ask(cloud_api, chart["id"]).json()
    response = take_in(cloud_api, chart["id"], form["key"])
    assert response.status_code == 404
    assert "upload it again" in response.json()["detail"]


def test_malformed_csv_in_the_bucket_stores_nothing(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    form = ask(cloud_api, chart["id"]).json()
    send_to_bucket(form, b"a,b\n1,2,3\n")
    response = take_in(cloud_api, chart["id"], form["key"])
    assert response.status_code == 422
    assert keys(cloud_api, f"uploads/{chart['id']}/") == []


def test_direct_upload_for_a_chart_of_another_team_is_not_found(cloud_api: Api) -> None:
    response = ask(cloud_api, "no-such-chart")
    assert response.status_code == 404


def test_local_mode_says_to_send_the_file_to_the_app(local_api: Api) -> None:
    chart = local_api.chart()
    response = ask(local_api, chart["id"])
    assert response.status_code == 409
    assert f"PUT /api/charts/{chart['id']}/data" in response.json()["detail"]
