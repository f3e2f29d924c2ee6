"""/api/charts/{id}/snapshot: the PNG the web app renders of a chart, checked and stored per chart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import select

from storyanalytics.api.deps import CurrentUser, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import SNAPSHOT_TOO_LARGE, error_responses
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.api.services.pdf_vector import VectorSnapshotError, check_svg
from storyanalytics.api.services.snapshots import (
    MAX_SNAPSHOT_BYTES,
    SnapshotError,
    SnapshotInfo,
    slide_snapshot_key,
    snapshot_key,
    validate_png,
    vector_snapshot_key,
)
from storyanalytics.db.models import Chart, Snapshot
from storyanalytics.db.types import utcnow
from storyanalytics.storage import ObjectNotFound

router = APIRouter(prefix="/api/charts", tags=["snapshots"], route_class=LazyAPIRoute)

ACCEPTED_TYPES = frozenset({"image/png", "application/octet-stream"})
_PNG_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    }
}
_PNG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}, "description": "PNG"}
}
_PNG_RESPONSES = error_responses(SNAPSHOT_TOO_LARGE, (415, "Not image/png"))


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes (never buffered beyond)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"The snapshot is over {limit // 1_048_576} MB: render it smaller.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"The snapshot is over {limit // 1_048_576} MB: render it smaller.")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_snapshot(
    storage: StorageDep, chart_id: str, *, vector: bool = False, slide: bool = False
) -> bytes | None:
    """The chart's PNG snapshot (with `vector`, its SVG for the PDF export; with `slide`, the PNG without
    title and source for the PPTX export); None when there is none."""
    key = vector_snapshot_key if vector else slide_snapshot_key if slide else snapshot_key
    try:
        return await storage.read(key(chart_id))
    except ObjectNotFound:
        return None


async def _store_png(
    chart_id: str,
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    key: Callable[[str], str],
) -> tuple[Chart, SnapshotInfo]:
    """The PNG request body, checked (type, size, signature, dimensions), stored at `key(chart id)`."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    session.commit()  # end the read transaction before awaiting storage
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise ApiError(415, "Send the snapshot as the raw request body with Content-Type: image/png.")
    data = await read_limited_body(request, MAX_SNAPSHOT_BYTES)
    try:
        info = validate_png(data)
    except SnapshotError as exc:
        raise ApiError(exc.status_code, str(exc)) from None
    await storage.write(key(chart.id), data)
    return chart, info


@router.put(
    "/{chart_id}/snapshot",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=_PNG_BODY,
    responses=_PNG_RESPONSES,
)
async def put_snapshot(
    chart_id: str, request: Request, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    chart, info = await _store_png(chart_id, request, session, storage, user, snapshot_key)
    # A slide picture older than the snapshot would put a stale chart on the slide: the editor uploads
    # a fresh one with each PPTX export; until then the slide uses this snapshot.
    await storage.delete(slide_snapshot_key(chart.id))
    row = session.scalar(select(Snapshot).where(Snapshot.chart_id == chart.id))
    if row is None:
        row = Snapshot(chart_id=chart.id, storage_key=snapshot_key(chart.id))
        session.add(row)
    row.size_bytes, row.width, row.height, row.created_at = info.size_bytes, info.width, info.height, utcnow()
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{chart_id}/snapshot/slide",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=_PNG_BODY,
    responses=_PNG_RESPONSES,
)
async def put_slide_snapshot(
    chart_id: str, request: Request, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """The chart without its title, description and source (PNG), for the PPTX export's picture: the
    slide shows those as editable text boxes, so the picture must not repeat them."""
    await _store_png(chart_id, request, session, storage, user, slide_snapshot_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{chart_id}/snapshot", response_class=Response, responses=_PNG_RESPONSE)
async def get_snapshot(
    chart_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    session.commit()
    data = await read_snapshot(storage, chart.id)
    if data is None:
        raise ApiError(404, "This chart has no snapshot yet: render it in the editor (PUT .../snapshot).")
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, no-cache"})


@router.put(
    "/{chart_id}/snapshot/vector",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra={
        "requestBody": {"required": True, "content": {"image/svg+xml": {"schema": {"type": "string"}}}}
    },
    responses=error_responses(SNAPSHOT_TOO_LARGE, (415, "Not image/svg+xml"), (422, "Not a usable SVG")),
)
async def put_vector_snapshot(
    chart_id: str, request: Request, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """The chart as SVG (what the web app draws), kept for the PDF export's vector marks."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    session.commit()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "image/svg+xml":
        raise ApiError(415, "Send the SVG as the raw request body with Content-Type: image/svg+xml.")
    data = await read_limited_body(request, MAX_SNAPSHOT_BYTES)
    try:
        check_svg(data)
    except VectorSnapshotError as exc:
        raise ApiError(exc.status_code, str(exc)) from None
    await storage.write(vector_snapshot_key(chart.id), data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
