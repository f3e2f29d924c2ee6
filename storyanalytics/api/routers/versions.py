"""/api/charts/{id}/versions: every saved state of a chart; restoring one saves it as a new version."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel
from sqlalchemy import select

from storyanalytics.api.deps import CurrentUser, SessionDep, StorageDep
from storyanalytics.api.errors import not_found
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import STALE_VERSION, error_responses
from storyanalytics.api.schemas import ChartOut
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.api.services.charts import load_chart_out, read_json
from storyanalytics.api.services.versions import VERSIONED_FIELDS, save_chart_change
from storyanalytics.db.models import Chart, ChartVersion
from storyanalytics.storage import ObjectNotFound

router = APIRouter(prefix="/api/charts/{chart_id}/versions", tags=["versions"], route_class=LazyAPIRoute)
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


class VersionSummary(BaseModel):
    number: int
    created_at: datetime
    created_by: str | None
    message: str


class VersionChart(BaseModel):
    title: str
    description: str
    chart_type: str
    theme_id: str
    config: dict[str, Any]


class VersionOut(BaseModel):
    number: int
    created_at: datetime
    chart: VersionChart


@router.get("", response_model=list[VersionSummary])
async def list_versions(chart_id: str, session: SessionDep, user: CurrentUser) -> list[ChartVersion]:
    """Newest first."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    return list(
        session.scalars(
            select(ChartVersion).where(ChartVersion.chart_id == chart.id).order_by(ChartVersion.number.desc())
        )
    )


async def _load_version(
    session: SessionDep, storage: StorageDep, user: CurrentUser, chart_id: str, number: int
) -> tuple[Chart, ChartVersion, VersionChart, str | None]:
    """The chart, the version's row, its stored state, and the upload (data) it was made with."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    row = session.scalar(
        select(ChartVersion).where(ChartVersion.chart_id == chart.id, ChartVersion.number == number)
    )
    if row is None:
        raise not_found("version")
    session.rollback()
    try:
        document = await read_json(storage, row.storage_key)
    except ObjectNotFound:
        raise not_found("stored version") from None
    upload_id = document.get("upload_id")
    data = upload_id if isinstance(upload_id, str) else None
    return chart, row, VersionChart.model_validate(document["chart"]), data


@router.get("/{number}", response_model=VersionOut)
async def get_version(
    chart_id: str, number: VersionNumber, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> VersionOut:
    _, row, chart, _ = await _load_version(session, storage, user, chart_id, number)
    return VersionOut(number=row.number, created_at=row.created_at, chart=chart)


@router.post(
    "/{number}/restore",
    response_model=ChartOut,
    responses=error_responses(STALE_VERSION),
)
async def restore_version(
    chart_id: str, number: VersionNumber, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> ChartOut:
    """Save version `number`'s state as a new version (history is never rewritten)."""
    chart, _, old, upload_id = await _load_version(session, storage, user, chart_id, number)
    changes: dict[str, Any] = {name: getattr(old, name) for name in VERSIONED_FIELDS}
    changes["config"] = old.config
    chart = await save_chart_change(
        session,
        storage,
        chart,
        chart.version,
        changes,
        user_id=user.id,
        message=f"Restored version {number}",
        restore_upload_id=upload_id,
    )
    return await load_chart_out(session, storage, chart)
