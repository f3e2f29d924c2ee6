"""/api/dashboards: an ordered layout of one team's charts with sizes, versioned like charts, publishable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyanalytics.api.deps import CurrentUser, EdgeDep, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import NOT_PUBLISHED, STALE_VERSION, error_responses
from storyanalytics.api.routers.publish import (
    EmbedCodeOut,
    PublishOut,
    item_embed_code,
    publish_item,
    unpublish_item,
)
from storyanalytics.api.services.access import (
    check_folder_in_team,
    get_team_item_or_404,
    team_for_new_item,
    teams_in_scope,
)
from storyanalytics.api.services.optimistic import expected_version, stale, update_if_version
from storyanalytics.api.services.published import EdgeRemoval, public_key, take_off_edge
from storyanalytics.api.services.team_items import delete_with_file, list_filed_items
from storyanalytics.db.models import Chart, Dashboard, new_id
from storyanalytics.db.types import utcnow

router = APIRouter(prefix="/api/dashboards", tags=["dashboards"], route_class=LazyAPIRoute)

MAX_LAYOUT_ITEMS = 100
Id = Annotated[str, Field(min_length=1, max_length=64)]
Title = Annotated[str, Field(max_length=500)]
Description = Annotated[str, Field(max_length=20_000)]


class LayoutItem(BaseModel):
    """One tile: a chart, its width in columns of a 12-column grid, its height in pixels."""

    model_config = ConfigDict(extra="forbid")

    chart_id: Id
    width: int = Field(default=6, ge=1, le=12)
    height: int = Field(default=360, ge=100, le=4000)


Layout = Annotated[list[LayoutItem], Field(max_length=MAX_LAYOUT_ITEMS)]


class DashboardCreate(BaseModel):
    title: Title = ""
    description: Description = ""
    layout: Layout = Field(default_factory=list)
    team_id: Id | None = None
    folder_id: Id | None = None


class DashboardUpdate(BaseModel):
    version: int | None = Field(default=None, ge=1, description="The version you edited; or send If-Match.")
    title: Title | None = None
    description: Description | None = None
    layout: Layout | None = None
    folder_id: Id | None = None


class DashboardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    team_id: str
    folder_id: str | None
    title: str
    description: str
    layout: list[LayoutItem]
    version: int
    is_published: bool
    public_id: str | None
    public_version: int
    created_at: datetime
    updated_at: datetime


def check_layout(
    session: Session, layout: list[LayoutItem], team_id: str, kept: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every chart must exist in the dashboard's team; answered alike for both cases so ids don't leak.

    `kept`: chart ids already in the saved layout. A tile whose chart was deleted since stays allowed, so
    a dashboard with a dead tile still saves (the web app shows the tile as removed, for deletion).
    """
    wanted = {item.chart_id for item in layout} - kept
    found = (
        set(session.scalars(select(Chart.id).where(Chart.id.in_(wanted), Chart.team_id == team_id)).all())
        if wanted
        else set()
    )
    missing = [item.chart_id for item in layout if item.chart_id not in found | kept]
    if missing:
        raise ApiError(
            422,
            f"layout: there is no chart {missing[0]!r} in this dashboard's team: "
            "use charts of the same team (GET /api/charts?team_id=...).",
        )
    return [item.model_dump() for item in layout]


@router.get("", response_model=list[DashboardOut])
async def list_dashboards(
    session: SessionDep,
    user: CurrentUser,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
    folder_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text the title contains")] = None,
) -> list[Dashboard]:
    return list_filed_items(session, Dashboard, teams_in_scope(session, user, team_id), folder_id, q)


@router.post("", response_model=DashboardOut, status_code=status.HTTP_201_CREATED)
async def create_dashboard(body: DashboardCreate, session: SessionDep, user: CurrentUser) -> Dashboard:
    team_id = team_for_new_item(session, user, body.team_id, body.folder_id)
    dashboard = Dashboard(
        id=new_id(),
        team_id=team_id,
        folder_id=check_folder_in_team(session, body.folder_id, team_id),
        title=body.title,
        description=body.description,
        layout=check_layout(session, body.layout, team_id),
        version=1,
        created_by=user.id,
    )
    session.add(dashboard)
    session.commit()
    return dashboard


@router.get("/{dashboard_id}", response_model=DashboardOut)
async def get_dashboard(dashboard_id: str, session: SessionDep, user: CurrentUser) -> Dashboard:
    return get_team_item_or_404(session, user, Dashboard, dashboard_id, "dashboard")


@router.patch("/{dashboard_id}", response_model=DashboardOut, responses=error_responses(STALE_VERSION))
async def update_dashboard(
    dashboard_id: str,
    body: DashboardUpdate,
    session: SessionDep,
    user: CurrentUser,
    if_match: Annotated[str | None, Header(description='The version you edited, e.g. "3"')] = None,
) -> Dashboard:
    """Change title, description, layout or folder; a stale version gets 409 and changes nothing."""
    dashboard = get_team_item_or_404(session, user, Dashboard, dashboard_id, "dashboard")
    expected = expected_version(body.version, if_match)
    if dashboard.version != expected:
        raise stale("dashboard", dashboard.version, expected)
    changes: dict[str, Any] = {}
    if body.title is not None:
        changes["title"] = body.title
    if body.description is not None:
        changes["description"] = body.description
    if body.layout is not None:
        saved = frozenset(
            entry["chart_id"]
            for entry in dashboard.layout or []
            if isinstance(entry, dict) and isinstance(entry.get("chart_id"), str)
        )
        changes["layout"] = check_layout(session, body.layout, dashboard.team_id, saved)
    if "folder_id" in body.model_fields_set:
        changes["folder_id"] = check_folder_in_team(session, body.folder_id, dashboard.team_id)
    update_if_version(
        session, Dashboard, "dashboard", dashboard.id, expected, {"updated_at": utcnow(), **changes}
    )
    session.commit()
    session.refresh(dashboard)
    return dashboard


@router.delete("/{dashboard_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_dashboard(
    dashboard_id: str, session: SessionDep, storage: StorageDep, edge: EdgeDep, user: CurrentUser
) -> Response:
    """Removes the dashboard (its public URL 404s at once, its files on the CDN go); its charts are kept."""
    dashboard = get_team_item_or_404(session, user, Dashboard, dashboard_id, "dashboard")
    removal = EdgeRemoval("dashboard", dashboard.id, dashboard.team_id, dashboard.public_id)
    await delete_with_file(
        session, storage, user, Dashboard, dashboard_id, "dashboard", public_key("dashboard", dashboard_id)
    )
    await take_off_edge(session, edge, removal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{dashboard_id}/publish", response_model=PublishOut, responses=error_responses(NOT_PUBLISHED))
async def publish_dashboard(
    dashboard_id: str, session: SessionDep, storage: StorageDep, edge: EdgeDep, user: CurrentUser
) -> PublishOut:
    """Freeze the dashboard and its charts as a new public version (same public id)."""
    return await publish_item(session, storage, edge, user, "dashboard", dashboard_id)


@router.delete("/{dashboard_id}/publish", status_code=status.HTTP_204_NO_CONTENT)
async def unpublish_dashboard(
    dashboard_id: str, session: SessionDep, storage: StorageDep, edge: EdgeDep, user: CurrentUser
) -> Response:
    return await unpublish_item(session, storage, edge, user, "dashboard", dashboard_id)


@router.get(
    "/{dashboard_id}/embed-code", response_model=EmbedCodeOut, responses=error_responses(NOT_PUBLISHED)
)
async def dashboard_embed_code(
    dashboard_id: str, request: Request, session: SessionDep, edge: EdgeDep, user: CurrentUser
) -> EmbedCodeOut:
    return item_embed_code(request, session, edge, user, "dashboard", dashboard_id)
