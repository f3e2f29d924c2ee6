"""Chart files in storage: config at `charts/<id>.json`, data at `uploads/<chart_id>/<upload_id>.csv`,
saved states at `versions/<chart_id>/<n>.json`. Routers (and API part 2) go through these helpers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyanalytics.api.schemas import ChartOut, ColumnOut, DataSummary
from storyanalytics.api.services.chart_payload import chart_rows
from storyanalytics.api.services.csvdata import ParsedCsv, parse_csv, parsed_cache
from storyanalytics.db.models import Chart, Upload
from storyanalytics.storage import ObjectNotFound, StorageBackend


def default_config() -> dict[str, Any]:
    return {
        "mapping": {"x": None, "y": None, "color": None, "size": None, "facet": None},
        "source": "",
        "notes": "",
        "options": {},
    }


def chart_config_key(chart_id: str) -> str:
    return f"charts/{chart_id}.json"


def version_key(chart_id: str, number: int) -> str:
    return f"versions/{chart_id}/{number}.json"


def upload_key(chart_id: str, upload_id: str) -> str:
    return f"uploads/{chart_id}/{upload_id}.csv"


def dump_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


async def read_json(storage: StorageBackend, key: str) -> Any:
    return json.loads(await storage.read(key))


async def read_chart_config(storage: StorageBackend, chart_id: str) -> dict[str, Any]:
    """The chart's config JSON; the default config if none was stored yet."""
    try:
        config = await read_json(storage, chart_config_key(chart_id))
    except ObjectNotFound:
        return default_config()
    return config if isinstance(config, dict) else default_config()


async def write_chart_config(storage: StorageBackend, chart_id: str, config: dict[str, Any]) -> None:
    await storage.write(chart_config_key(chart_id), dump_json(config))


def current_upload(session: Session, chart_id: str) -> Upload | None:
    """The chart's data: its newest upload."""
    return session.scalars(
        select(Upload)
        .where(Upload.chart_id == chart_id)
        .order_by(Upload.created_at.desc(), Upload.id.desc())
        .limit(1)
    ).first()


async def read_upload(storage: StorageBackend, upload: Upload) -> ParsedCsv:
    """The parsed rows of an upload (cached: uploads never change once written)."""
    cached = parsed_cache.get(upload.storage_key)
    if cached is not None:
        return cached
    raw = await storage.read(upload.storage_key)
    parsed = await asyncio.to_thread(
        parse_csv,
        raw,
        types=[column["type"] for column in upload.columns],
        formats=[column.get("format") for column in upload.columns],
    )
    del raw
    parsed_cache.put(upload.storage_key, parsed)
    return parsed


async def read_chart_data(session: Session, storage: StorageBackend, chart_id: str) -> ParsedCsv | None:
    """The chart's parsed data, or None when it has no data yet."""
    upload = current_upload(session, chart_id)
    if upload is None:
        return None
    return await read_upload(storage, upload)


async def chart_payload(
    session: Session, storage: StorageBackend, chart_id: str, chart_type: str, mapping: Any
) -> dict[str, Any] | None:
    """The rows the chart draws, reduced on the server past MAX_ROWS (chart_payload); None without data."""
    parsed = await read_chart_data(session, storage, chart_id)
    if parsed is None:
        return None
    return await asyncio.to_thread(
        chart_rows, parsed, chart_type, mapping if isinstance(mapping, dict) else None
    )


def data_summary(upload: Upload | None) -> DataSummary | None:
    if upload is None:
        return None
    return DataSummary(
        columns=[ColumnOut.model_validate(column) for column in upload.columns], row_count=upload.row_count
    )


def chart_out(chart: Chart, config: dict[str, Any], upload: Upload | None) -> ChartOut:
    return ChartOut(
        id=chart.id,
        team_id=chart.team_id,
        folder_id=chart.folder_id,
        title=chart.title,
        chart_type=chart.chart_type,
        version=chart.version,
        is_published=chart.is_published,
        public_id=chart.public_id,
        updated_at=chart.updated_at,
        description=chart.description,
        theme_id=chart.theme_id,
        config=config,
        data=data_summary(upload),
        public_version=chart.public_version,
        published_at=chart.published_at,
        created_at=chart.created_at,
    )


async def load_chart_out(session: Session, storage: StorageBackend, chart: Chart) -> ChartOut:
    """Everything GET /api/charts/{id} returns."""
    config = await read_chart_config(storage, chart.id)
    return chart_out(chart, config, current_upload(session, chart.id))
