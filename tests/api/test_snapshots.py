"""Snapshot PNG checks."""

from __future__ import annotations

import io
import zlib

import pytest
from apiclient import Api
from PIL import Image
from publishing_helpers import png_bytes

from storyanalytics.api.services import snapshots


def test_a_valid_png_reports_its_dimensions() -> None:
    data = png_bytes(40, 20)
    info = snapshots.validate_png(data)
    assert (info.width, info.height, info.size_bytes) == (40, 20, len(data))


def test_a_jpeg_is_refused_by_its_signature() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    with pytest.raises(snapshots.SnapshotError, match="not a PNG"):
        snapshots.validate_png(buffer.getvalue())


def test_a_truncated_png_is_refused() -> None:
    with pytest.raises(snapshots.SnapshotError, match="damaged or truncated"):
        snapshots.validate_png(png_bytes()[:30])


def test_an_empty_body_is_refused() -> None:
    with pytest.raises(snapshots.SnapshotError, match="empty"):
        snapshots.validate_png(b"")


def test_an_oversized_body_is_refused_with_413() -> None:
    with pytest.raises(snapshots.SnapshotTooLarge, match="limit is 1 MB") as caught:
        snapshots.validate_png(snapshots.PNG_MAGIC + b"\0" * (1024 * 1024), max_bytes=1024 * 1024)
    assert caught.value.status_code == 413


def test_huge_dimensions_are_refused() -> None:
    # A tiny file that claims 20000x20000 pixels (a decompression bomb shape).
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = (20000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    data = (
        snapshots.PNG_MAGIC
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(snapshots.SnapshotError, match="20000x20000 pixels"):
        snapshots.validate_png(data)


# --- routes ------------------------------------------------------------------------------------------
def test_snapshot_upload_then_download_returns_the_same_png(api: Api) -> None:
    chart = api.chart()
    data = png_bytes(64, 32)
    response = api.put(
        f"/api/charts/{chart['id']}/snapshot", content=data, headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 204, response.text
    fetched = api.get(f"/api/charts/{chart['id']}/snapshot")
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/png"
    assert fetched.content == data


def test_snapshot_that_is_not_a_png_is_422(api: Api) -> None:
    chart = api.chart()
    response = api.put(
        f"/api/charts/{chart['id']}/snapshot", content=b"GIF89a....", headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 422 and "not a PNG" in response.json()["detail"]
    assert api.get(f"/api/charts/{chart['id']}/snapshot").status_code == 404


def test_snapshot_with_another_content_type_is_415(api: Api) -> None:
    chart = api.chart()
    response = api.put(
        f"/api/charts/{chart['id']}/snapshot", content=png_bytes(), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_snapshot_over_10_mb_is_413(local_api: Api) -> None:
    chart = local_api.chart()
    body = snapshots.PNG_MAGIC + b"\0" * snapshots.MAX_SNAPSHOT_BYTES
    response = local_api.put(
        f"/api/charts/{chart['id']}/snapshot", content=body, headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 413 and "10 MB" in response.json()["detail"]


def test_snapshots_of_other_teams_charts_are_404(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    other = cloud_api.new_user()
    url = f"/api/charts/{chart['id']}/snapshot"
    headers = {**other, "Content-Type": "image/png"}
    assert cloud_api.client.put(url, content=png_bytes(), headers=headers).status_code == 404
    assert cloud_api.client.get(url, headers=other).status_code == 404
