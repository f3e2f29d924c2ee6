"""Snapshot PNG checks."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from storyanalytics.api.services import snapshots


def png_bytes(width: int = 40, height: int = 20, color: str = "#3366cc") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


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
