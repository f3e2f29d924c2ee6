"""/api/charts: chart metadata in the database, config in storage, optimistic concurrency on updates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import delete
from starlette.types import ASGIApp, Receive, Scope, Send

from storyanalytics.api.deps import (
    BearerDep,
    CurrentUser,
    EdgeDep,
    SessionDep,
    StorageDep,
    request_user_id,
)
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import STALE_VERSION, error_responses
from storyanalytics.api.schemas import ChartOut, ChartSummary
from storyanalytics.api.services.access import (
    check_folder_in_team,
    get_team_item_or_404,
    team_for_new_item,
    teams_in_scope,
)
from storyanalytics.api.services.chart_read import (
    CHART_RESPONSES_SIZE,
    ChartResponses,
    read_chart_response,
)
from storyanalytics.api.services.charts import load_chart_out
from storyanalytics.api.services.optimistic import expected_version
from storyanalytics.api.services.published import EdgeRemoval, take_off_edge
from storyanalytics.api.services.team_items import list_filed_items
from storyanalytics.api.services.versions import create_chart, save_chart_change
from storyanalytics.db.models import Chart, Upload
from storyanalytics.storage import StorageError

router = APIRouter(prefix="/api/charts", tags=["charts"], route_class=LazyAPIRoute)

Title = Annotated[str, Field(max_length=500)]
ChartType = Annotated[str, Field(min_length=1, max_length=40)]
ThemeId = Annotated[str, Field(min_length=1, max_length=64)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class ChartCreate(BaseModel):
    title: Title = ""
    chart_type: ChartType = "bar"
    description: Annotated[str, Field(max_length=20_000)] = ""
    config: dict[str, Any] | None = None
    team_id: Id | None = None
    folder_id: Id | None = None
    theme_id: ThemeId = "default"


class ChartUpdate(BaseModel):
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The version you edited; or send If-Match."
    )
    title: Title | None = None
    description: Annotated[str, Field(max_length=20_000)] | None = None
    chart_type: ChartType | None = None
    config: dict[str, Any] | None = None
    theme_id: ThemeId | None = None
    folder_id: Id | None = None


@router.get("", response_model=list[ChartSummary])
async def list_charts(
    session: SessionDep,
    user: CurrentUser,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
    folder_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text the title contains")] = None,
) -> list[Chart]:
    return list_filed_items(session, Chart, teams_in_scope(session, user, team_id), folder_id, q)


@router.post("", response_model=ChartOut, status_code=status.HTTP_201_CREATED)
async def create(body: ChartCreate, session: SessionDep, storage: StorageDep, user: CurrentUser) -> ChartOut:
    team_id = team_for_new_item(session, user, body.team_id, body.folder_id)
    folder_id = check_folder_in_team(session, body.folder_id, team_id)
    session.rollback()  # end the read transaction before awaiting storage
    chart = await create_chart(
        session,
        storage,
        team_id=team_id,
        created_by=user.id,
        title=body.title,
        description=body.description,
        chart_type=body.chart_type,
        theme_id=body.theme_id,
        folder_id=folder_id,
        config=body.config,
    )
    return await load_chart_out(session, storage, chart)


def chart_responses(request: Request) -> ChartResponses:
    cache: ChartResponses | None = getattr(request.app.state, "chart_responses", None)
    if cache is None:
        cache = request.app.state.chart_responses = ChartResponses(CHART_RESPONSES_SIZE)
    return cache


async def serve_chart(request: Request, chart_id: str) -> Response:
    """One query (user, membership, chart, newest upload) and, for a chart seen before, cached bytes."""
    user_id, token_version, user_gone = await request_user_id(request)
    body = await read_chart_response(
        request.app.state.engine,
        request.app.state.storage,
        chart_responses(request),
        chart_id,
        user_id,
        token_version=token_version,
        user_gone=user_gone,
    )
    return Response(body, media_type="application/json")


CHART_PREFIX = "/api/charts/"


class ChartReadFastPath:
    """Answers GET /api/charts/<id>, the app's busiest authenticated read, before the app's routing.

    FastAPI's routing and exception layers cost about a third of this read's CPU (bench/api.py). It sits
    inside the deadline and security-header middlewares, so its answer gets what every route's gets.
    An error (not signed in, not found, storage or database trouble) is answered here by the app's own
    exception handlers, as the route's would be: handing it on to the route would run the read a second
    time, and wait on a hung S3 twice (bench/load.py's slowest editor answer).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            chart_id = path[len(CHART_PREFIX) :]
            if path.startswith(CHART_PREFIX) and chart_id and "/" not in chart_id:
                request = Request(scope, receive)
                try:
                    response = await serve_chart(request, chart_id)
                except Exception as exc:
                    response = await _answer_error(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _answer_error(request: Request, exc: Exception) -> Response:
    """The answer the app's exception handler for `exc` gives (the nearest class in its MRO, as
    Starlette's ExceptionMiddleware looks it up); api/errors.py installs one for Exception itself."""
    handlers = request.app.exception_handlers
    handler = next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
    response: Response = await handler(request, exc)
    return response


@router.get("/{chart_id}", response_model=ChartOut)
async def get_chart(chart_id: str, request: Request, _credentials: BearerDep) -> Response:
    return await serve_chart(request, chart_id)


@router.patch("/{chart_id}", response_model=ChartOut, responses=error_responses(STALE_VERSION))
async def update_chart(
    chart_id: str,
    body: ChartUpdate,
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    if_match: Annotated[str | None, Header(description='The version you edited, e.g. "3"')] = None,
) -> ChartOut:
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    expected = expected_version(body.version, if_match)
    changes: dict[str, Any] = {}
    for name in ("title", "description", "chart_type", "theme_id", "config"):
        value = getattr(body, name)
        if value is not None:
            changes[name] = value
    if "folder_id" in body.model_fields_set:
        changes["folder_id"] = check_folder_in_team(session, body.folder_id, chart.team_id)
    session.rollback()  # end the read transaction before awaiting storage
    chart = await save_chart_change(session, storage, chart, expected, changes, user_id=user.id)
    return await load_chart_out(session, storage, chart)


@router.delete("/{chart_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_chart(
    chart_id: str, session: SessionDep, storage: StorageDep, edge: EdgeDep, user: CurrentUser
) -> Response:
    """Remove the chart's row, then its files (config, versions, uploads, snapshot, its copy on the CDN)."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    removal = EdgeRemoval("chart", chart.id, chart.team_id, chart.public_id)
    session.execute(delete(Upload).where(Upload.chart_id == chart.id))
    session.delete(chart)
    session.commit()
    await delete_chart_files(storage, chart_id)
    await take_off_edge(session, edge, removal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def delete_chart_files(storage: StorageDep, chart_id: str) -> None:
    try:
        keys = [f"charts/{chart_id}.json", f"charts/{chart_id}.public.json", f"snapshots/{chart_id}.png"]
        keys.extend([f"snapshots/{chart_id}.svg", f"snapshots/{chart_id}.slide.png"])
        keys += await storage.list(f"versions/{chart_id}/")
        keys += await storage.list(f"uploads/{chart_id}/")
        for key in keys:
            await storage.delete(key)
    except StorageError:
        # The chart is gone from the database; leftover files are harmless and can be swept later.
        pass
