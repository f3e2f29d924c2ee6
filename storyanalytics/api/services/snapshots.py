"""Chart snapshots: PNGs the web app renders and uploads; checked before they are stored."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from storyanalytics.errors import StoryAnalyticsError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SNAPSHOT_BYTES = 10 * 1024 * 1024
MAX_SNAPSHOT_SIDE = 10_000
MAX_SNAPSHOT_PIXELS = 40_000_000


class SnapshotError(StoryAnalyticsError):
    """The upload is not a usable PNG snapshot; the message says why."""

    status_code = 422


class SnapshotTooLarge(SnapshotError):
    status_code = 413


@dataclass(frozen=True)
class SnapshotInfo:
    width: int
    height: int
    size_bytes: int


def snapshot_key(chart_id: str) -> str:
    return f"snapshots/{chart_id}.png"


def vector_snapshot_key(chart_id: str) -> str:
    """The chart's SVG, uploaded with the PNG, for the vector PDF export."""
    return f"snapshots/{chart_id}.svg"


def slide_snapshot_key(chart_id: str) -> str:
    """The chart without its title, description and source, for the slide (which shows them as text)."""
    return f"snapshots/{chart_id}.slide.png"


def validate_png(data: bytes, *, max_bytes: int = MAX_SNAPSHOT_BYTES) -> SnapshotInfo:
    """Check size, PNG signature and dimensions before anything is stored."""
    if len(data) > max_bytes:
        raise SnapshotTooLarge(
            f"the snapshot is {len(data) / 1_048_576:.1f} MB; the limit is {max_bytes // 1_048_576} MB: "
            "render it smaller"
        )
    if not data:
        raise SnapshotError("the snapshot is empty: send the PNG bytes as the request body")
    if not data.startswith(PNG_MAGIC):
        raise SnapshotError("the snapshot is not a PNG (wrong signature): send an image/png body")
    if len(data) >= 24 and data[12:16] == b"IHDR":
        # Check the declared size before any decoding, so a decompression bomb costs nothing.
        _check_dimensions(int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    # Pillow is imported here, by the first snapshot, not with the app: ~10 ms of every start otherwise.
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if image.format != "PNG":
                    raise SnapshotError("the snapshot is not a PNG: send an image/png body")
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise SnapshotError(
            "the snapshot PNG is damaged or truncated: render it again and re-upload"
        ) from None
    _check_dimensions(width, height)
    return SnapshotInfo(width=width, height=height, size_bytes=len(data))


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise SnapshotError("the snapshot has no pixels: render the chart before uploading")
    if width > MAX_SNAPSHOT_SIDE or height > MAX_SNAPSHOT_SIDE or width * height > MAX_SNAPSHOT_PIXELS:
        raise SnapshotError(
            f"the snapshot is {width}x{height} pixels; the limit is {MAX_SNAPSHOT_SIDE} per side and "
            f"{MAX_SNAPSHOT_PIXELS:,} in total: render it smaller"
        )
