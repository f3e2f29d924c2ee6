"""/api/charts/{id}/publish and /embed-code: make a chart public at a stable URL, or take it down.

The helpers here serve the dashboard routes too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from storyanalytics.api.deps import CurrentUser, EdgeDep, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import NOT_PUBLISHED, error_responses
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.api.services.published import Kind, public_urls, publish, unpublish
from storyanalytics.db.models import Chart, Dashboard, User
from storyanalytics.publish.edge import Edge
from storyanalytics.publish.embed_code import embed_code
from storyanalytics.storage import StorageBackend

router = APIRouter(prefix="/api/charts", tags=["publish"], route_class=LazyAPIRoute)


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


def _team_item(session: Session, user: User, kind: Kind, item_id: str) -> Chart | Dashboard:
    model: type[Chart | Dashboard] = Chart if kind == "chart" else Dashboard
    return get_team_item_or_404(session, user, model, item_id, kind)


async def publish_item(
    session: Session, storage: StorageBackend, edge: Edge | None, user: User, kind: Kind, item_id: str
) -> PublishOut:
    """Publish the user's chart or dashboard; answer with its public addresses (the CDN's in cloud mode)."""
    item = _team_item(session, user, kind, item_id)
    await publish(session, storage, kind, item, edge)
    assert item.public_id is not None
    urls = public_urls(kind, item.public_id)
    if edge is not None:
        urls["public_url"] = edge.public_url(kind, item.public_id)
    return PublishOut(public_id=item.public_id, public_version=item.public_version, **urls)


async def unpublish_item(
    session: Session, storage: StorageBackend, edge: Edge | None, user: User, kind: Kind, item_id: str
) -> Response:
    await unpublish(session, storage, kind, _team_item(session, user, kind, item_id), edge)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def item_embed_code(
    request: Request, session: Session, edge: Edge | None, user: User, kind: Kind, item_id: str
) -> EmbedCodeOut:
    """The embed code of a published item, with the CDN's address (or this server's); 409 if unpublished."""
    item = _team_item(session, user, kind, item_id)
    if not item.is_published or item.public_id is None:
        raise ApiError(
            409, f"This {kind} is not published: publish it first (POST /api/{kind}s/{{id}}/publish)."
        )
    base_url = edge.base_url if edge is not None else str(request.base_url)
    return EmbedCodeOut(**embed_code(base_url, item.public_id, item.title, kind=kind))


@router.post("/{chart_id}/publish", response_model=PublishOut, responses=error_responses(NOT_PUBLISHED))
async def publish_chart(
    chart_id: str, session: SessionDep, storage: StorageDep, edge: EdgeDep, user: CurrentUser
) -> PublishOut:
    """Freeze the chart's current config, data and theme as a new public version (same public id)."""
    return await publish_item(session, storage, edge, user, "chart", chart_id)


@router.delete("/{chart_id}/publish", status_code=status.HTTP_204_NO_CONTENT)
async def unpublish_chart(
    chart_id: str, session: SessionDep, storage: StorageDep, edge: EdgeDep, user: CurrentUser
) -> Response:
    return await unpublish_item(session, storage, edge, user, "chart", chart_id)


@router.get("/{chart_id}/embed-code", response_model=EmbedCodeOut, responses=error_responses(NOT_PUBLISHED))
async def chart_embed_code(
    chart_id: str, request: Request, session: SessionDep, edge: EdgeDep, user: CurrentUser
) -> EmbedCodeOut:
    """A responsive iframe and the script that sizes it, with the CDN's (or this server's) address."""
    return item_embed_code(request, session, edge, user, "chart", chart_id)
