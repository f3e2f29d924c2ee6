"""/api/charts/{id}/publish and /embed-code: make a chart public at a stable URL, or take it down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from storyanalytics.api.deps import CurrentUser, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError, ErrorOut
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.api.services.published import public_urls, publish, unpublish
from storyanalytics.api.services.publishing import embed_code
from storyanalytics.db.models import Chart

router = APIRouter(prefix="/api/charts", tags=["publish"])


class PublishOut(BaseModel):
    public_id: str
    public_version: int
    public_url: str
    api_url: str


class EmbedCodeOut(BaseModel):
    public_url: str
    iframe: str
    script: str
    html: str


NOT_PUBLISHED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "Not published (embed code) or published meanwhile (publish)"}
}


def publish_out(public_id: str, public_version: int, kind: str) -> PublishOut:
    return PublishOut(
        public_id=public_id,
        public_version=public_version,
        **public_urls("chart" if kind == "chart" else "dashboard", public_id),
    )


@router.post("/{chart_id}/publish", response_model=PublishOut, responses=NOT_PUBLISHED)
async def publish_chart(
    chart_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> PublishOut:
    """Freeze the chart's current config, data and theme as a new public version (same public id)."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    await publish(session, storage, "chart", chart)
    assert chart.public_id is not None
    return publish_out(chart.public_id, chart.public_version, "chart")


@router.delete("/{chart_id}/publish", status_code=status.HTTP_204_NO_CONTENT)
async def unpublish_chart(
    chart_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    await unpublish(session, storage, "chart", chart)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{chart_id}/embed-code", response_model=EmbedCodeOut, responses=NOT_PUBLISHED)
async def chart_embed_code(
    chart_id: str, request: Request, session: SessionDep, user: CurrentUser
) -> EmbedCodeOut:
    """A responsive iframe and the script that sizes it, with this server's address."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    if not chart.is_published or chart.public_id is None:
        raise ApiError(409, "This chart is not published: publish it first (POST /api/charts/{id}/publish).")
    return EmbedCodeOut(**embed_code(str(request.base_url), chart.public_id, chart.title))
