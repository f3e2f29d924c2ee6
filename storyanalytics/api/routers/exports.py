"""/api/charts/{id}/export/{fmt}: CSV, a standalone HTML page, and PNG / PDF / PPTX from the snapshot."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Response

from storyanalytics.api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import Responses, error_responses
from storyanalytics.api.routers.snapshots import read_snapshot
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.api.services.charts import read_chart_config, read_chart_data
from storyanalytics.api.services.exports import (
    MEDIA_TYPES,
    export_filename,
    render_html,
    rows_to_csv,
    snapshot_to_pdf,
    snapshot_to_pptx,
)
from storyanalytics.api.services.pdf_vector import VectorSnapshotError, svg_to_pdf
from storyanalytics.api.services.published import chart_document
from storyanalytics.api.spa import find_web_dist
from storyanalytics.db.models import Chart

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/charts", tags=["exports"], route_class=LazyAPIRoute)

ExportFormat = Literal["csv", "html", "png", "pdf", "pptx"]
_FILE_RESPONSES: Responses = {
    200: {
        "description": "The exported file, as an attachment",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES.values()
        },
    },
    **error_responses((409, "No data (csv) or no snapshot (png, pdf, pptx) yet")),
}


def _source(config: dict[str, Any]) -> str:
    source = config.get("source")
    return source if isinstance(source, str) else ""


def _alt(config: dict[str, Any]) -> str:
    options = config.get("options")
    alt = options.get("alt") if isinstance(options, dict) else None
    return alt if isinstance(alt, str) else ""


async def _vector_pdf(storage: StorageDep, chart_id: str, title: str) -> bytes | None:
    """The PDF drawn from the chart's SVG, or None to use the PNG snapshot (no SVG, text the PDF's core
    fonts cannot draw, such as Greek or CJK, or SVG that fpdf2 cannot draw)."""
    svg = await read_snapshot(storage, chart_id, vector=True)
    if svg is None:
        return None
    alt = _alt(await read_chart_config(storage, chart_id))
    try:
        return await asyncio.to_thread(svg_to_pdf, svg, title=title, alt=alt)
    except VectorSnapshotError as exc:
        logger.info("PDF export of chart %s from its PNG snapshot: %s", chart_id, exc)
        return None


@router.get("/{chart_id}/export/{fmt}", response_class=Response, responses=_FILE_RESPONSES)
async def export_chart(
    chart_id: str,
    fmt: ExportFormat,
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> Response:
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    title = chart.title or "Chart"
    if fmt == "csv":
        parsed = await read_chart_data(session, storage, chart.id)
        if parsed is None:
            raise ApiError(409, "This chart has no data yet: upload a CSV before exporting it.")
        body = await asyncio.to_thread(rows_to_csv, parsed.columns, parsed.iter_records())
    elif fmt == "html":
        # The chart as it is now (not its published version), in the public payload's shape.
        document = await chart_document(session, storage, chart, public_id=None, public_version=0)
        body = await asyncio.to_thread(render_html, document, find_web_dist(settings))
    elif fmt == "pdf" and (vector := await _vector_pdf(storage, chart.id, title)) is not None:
        body = vector
    else:
        png = await read_snapshot(storage, chart.id)
        if png is None:
            raise ApiError(
                409,
                f"A {fmt.upper()} export is built from the chart's snapshot, and it has none yet: "
                "open the chart in the editor (or PUT /api/charts/{id}/snapshot) first.",
            )
        if fmt == "png":
            body = png
        else:
            config = await read_chart_config(storage, chart.id)
            source, alt = _source(config), _alt(config)
            if fmt == "pdf":
                body = await asyncio.to_thread(snapshot_to_pdf, png, title=title, source=source, alt=alt)
            else:
                slide = await read_snapshot(storage, chart.id, slide=True)
                body = await asyncio.to_thread(
                    partial(
                        snapshot_to_pptx,
                        slide or png,
                        title=title,
                        source=source,
                        alt=alt,
                        description=chart.description or "",
                        with_header=slide is None,
                    )
                )
    session.commit()
    filename = export_filename(title, fmt)
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
