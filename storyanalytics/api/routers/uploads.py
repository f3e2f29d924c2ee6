"""Chart data as CSV: PUT /api/charts/{id}/data, GET /api/charts/{id}/data, POST /api/uploads/parse.

The body is a multipart form with a `file` field or a raw text/csv body. It is counted while it streams in
(413 past MAX_UPLOAD_MB), parsed and checked completely, and only then stored: a failed upload writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request as StarletteRequest
from starlette.types import Message

from storyanalytics.api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import UPLOAD_TOO_LARGE, error_responses
from storyanalytics.api.schemas import CellProblem, ColumnOut, DataFormatIn, DataInfo, DataRows
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.api.services.charts import chart_payload, current_upload, read_chart_config, upload_key
from storyanalytics.api.services.csvdata import ParsedCsv, parse_csv, parsed_cache
from storyanalytics.api.services.team_items import add_with_file
from storyanalytics.db.models import Chart, Upload, new_id
from storyanalytics.db.types import utcnow
from storyanalytics.storage import StorageBackend

router = APIRouter(tags=["data"], route_class=LazyAPIRoute)

# Room for multipart boundaries and part headers on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024
CSV_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "text/csv": {"schema": {"type": "string"}},
    },
}
UPLOAD_RESPONSES = error_responses(
    UPLOAD_TOO_LARGE,
    (415, "Neither multipart nor text/csv"),
    (422, "Malformed CSV (the message names the line)"),
)


def too_large(limit_mb: int) -> ApiError:
    return ApiError(413, f"The file is larger than {limit_mb} MB (MAX_UPLOAD_MB): upload a smaller CSV.")


async def read_limited(request: Request, limit: int, limit_mb: int) -> bytes:
    """The request body, refused early by Content-Length and again while counting the streamed bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit_mb)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise too_large(limit_mb)
        chunks.append(chunk)
    return b"".join(chunks)


async def _multipart_file(request: Request, body: bytes) -> tuple[bytes, str]:
    """Parse an already-read multipart body and return the `file` field's bytes and name."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    replay = StarletteRequest(request.scope, receive)
    try:
        async with replay.form(max_files=1, max_fields=20) as form:
            field = form.get("file")
            if isinstance(field, UploadFile):
                return await field.read(), field.filename or "data.csv"
            if isinstance(field, str):
                return field.encode(), "data.csv"
    except (MultiPartException, ValueError, KeyError, AssertionError):
        raise ApiError(
            422, "The multipart form could not be read: send the CSV in a field named 'file'."
        ) from None
    raise ApiError(422, "The form has no field named 'file': send the CSV as the 'file' field.")


async def read_csv_upload(request: Request, limit_mb: int) -> tuple[bytes, str]:
    """The uploaded CSV's bytes and file name, from a multipart `file` field or a raw text body."""
    limit = limit_mb * 1024 * 1024
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        body = await read_limited(request, limit + MULTIPART_OVERHEAD, limit_mb)
        raw, filename = await _multipart_file(request, body)
        if len(raw) > limit:
            raise too_large(limit_mb)
        return raw, filename
    if content_type.startswith("application/x-www-form-urlencoded"):
        raise ApiError(415, "Send the CSV as multipart/form-data (field 'file') or as a text/csv body.")
    if content_type and not content_type.startswith(("text/", "application/csv", "application/octet-stream")):
        raise ApiError(415, "Send the CSV as multipart/form-data (field 'file') or as a text/csv body.")
    return await read_limited(request, limit, limit_mb), "data.csv"


def data_info(parsed: ParsedCsv) -> DataInfo:
    return DataInfo(
        columns=[ColumnOut.model_validate(column) for column in parsed.columns],
        row_count=parsed.row_count,
        preview=parsed.preview(),
        locale=parsed.locale,
        problems=[CellProblem.model_validate(problem) for problem in parsed.problems],
    )


@router.post(
    "/api/uploads/parse",
    response_model=DataInfo,
    responses=UPLOAD_RESPONSES,
    openapi_extra={"requestBody": CSV_BODY},
)
async def parse_upload(request: Request, settings: SettingsDep, user: CurrentUser) -> DataInfo:
    """Check a CSV and show what it holds, without storing anything."""
    raw, _ = await read_csv_upload(request, settings.max_upload_mb)
    return data_info(await asyncio.to_thread(parse_csv, raw))


@router.put(
    "/api/charts/{chart_id}/data",
    response_model=DataInfo,
    responses=UPLOAD_RESPONSES,
    openapi_extra={"requestBody": CSV_BODY},
)
async def put_chart_data(
    chart_id: str,
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> DataInfo:
    """Replace the chart's data. The CSV is stored at uploads/<chart_id>/<upload_id>.csv."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    team_id = chart.team_id
    session.rollback()
    raw, filename = await read_csv_upload(request, settings.max_upload_mb)
    return await store_chart_data(session, storage, chart_id, team_id, raw, filename)


async def store_chart_data(
    session: Session,
    storage: StorageBackend,
    chart_id: str,
    team_id: str,
    raw: bytes,
    filename: str,
    overrides: dict[str, Any] | None = None,
) -> DataInfo:
    """Parse the CSV completely, then store it at uploads/<chart_id>/<upload_id>.csv with its row."""
    parsed = await asyncio.to_thread(parse_csv, raw, None, None, overrides)
    upload_id = new_id()
    key = upload_key(chart_id, upload_id)
    row = Upload(
        id=upload_id,
        team_id=team_id,
        chart_id=chart_id,
        filename=filename[:500],
        storage_key=key,
        content_type="text/csv",
        size_bytes=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        row_count=parsed.row_count,
        columns=parsed.columns,
        created_at=utcnow(),
    )
    await add_with_file(session, storage, row, key, raw)
    parsed_cache.put(key, parsed)
    return data_info(parsed)


@router.put(
    "/api/charts/{chart_id}/data/format",
    response_model=DataInfo,
    responses=error_responses((409, "The chart has no data yet")),
)
async def put_chart_data_format(
    chart_id: str, body: DataFormatIn, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> DataInfo:
    """Read the chart's data again with the user's decimal mark, day/month order and column types.

    Cells that cannot be read as a chosen type are left empty and listed in `problems` (by row)."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    upload = current_upload(session, chart.id)
    if upload is None:
        raise ApiError(409, "This chart has no data yet: upload a CSV before choosing how to read it.")
    unknown = sorted(set(body.types) - {column["name"] for column in upload.columns})
    if unknown:
        raise ApiError(422, f"No column named {', '.join(map(repr, unknown))} in this chart's data.")
    team_id, key, filename = chart.team_id, upload.storage_key, upload.filename
    session.rollback()
    raw = await storage.read(key)
    overrides = body.model_dump(exclude_none=True)
    return await store_chart_data(session, storage, chart_id, team_id, raw, filename, overrides)


@router.get("/api/charts/{chart_id}/data", response_model=DataRows)
async def get_chart_data(
    chart_id: str,
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    chart_type: str | None = Query(None, description="Draw as this type (default: the chart's own)"),
    mapping: str | None = Query(None, description="Draw with this column mapping, as JSON (default: saved)"),
) -> DataRows:
    """The rows the chart draws: all of them up to a limit, else reduced on the server by chart type
    (`reduced` says how, with a note to show). The editor passes its unsaved type and mapping."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    config = await read_chart_config(storage, chart.id)
    chosen = _mapping(mapping) if mapping is not None else config.get("mapping")
    payload = await chart_payload(session, storage, chart.id, chart_type or chart.chart_type, chosen)
    if payload is None:
        return DataRows(columns=[], rows=[])
    return DataRows.model_validate(payload)


def _mapping(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ApiError(422, 'mapping must be a JSON object such as {"x": "year", "y": "sales"}.')
    return value
