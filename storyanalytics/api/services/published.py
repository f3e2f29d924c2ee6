"""Publish, unpublish and serve public charts and dashboards (see `publishing` for the design)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from storyanalytics.api.errors import ApiError
from storyanalytics.api.services.app_settings import read_app_settings
from storyanalytics.api.services.charts import chart_payload, read_chart_config
from storyanalytics.api.services.rawsql import compile_once, fetch_one
from storyanalytics.api.services.snapshots import snapshot_key
from storyanalytics.api.services.theme_store import resolve_theme
from storyanalytics.api.session_slots import away_from_database
from storyanalytics.db.models import Chart, Dashboard, Team
from storyanalytics.db.types import utcnow
from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.publish.edge import Edge, EdgeItem
from storyanalytics.publish.payloads import (
    PublicCache,
    PublicDocument,
    chart_public_key,
    dashboard_public_key,
    encode_payload,
    looks_like_public_id,
    make_etag,
    new_public_id,
)
from storyanalytics.storage import ObjectNotFound, StorageBackend, StorageError

Kind = Literal["chart", "dashboard"]
_MODELS: dict[str, type[Chart] | type[Dashboard]] = {"chart": Chart, "dashboard": Dashboard}


def public_key(kind: Kind, item_id: str) -> str:
    return chart_public_key(item_id) if kind == "chart" else dashboard_public_key(item_id)


def public_urls(kind: Kind, public_id: str) -> dict[str, str]:
    if kind == "chart":
        return {"public_url": f"/embed/{public_id}", "api_url": f"/api/public/charts/{public_id}"}
    # The embed page draws dashboards too when asked with ?kind=dashboard (web/src/embed.js).
    return {
        "public_url": f"/embed/{public_id}?kind=dashboard",
        "api_url": f"/api/public/dashboards/{public_id}",
    }


async def chart_document(
    session: Session, storage: StorageBackend, chart: Chart, public_id: str | None, public_version: int
) -> dict[str, Any]:
    """What the embed needs to draw a chart, frozen at publish time."""
    config = await read_chart_config(storage, chart.id)
    data = await chart_payload(session, storage, chart.id, chart.chart_type, config.get("mapping"))
    theme = await resolve_theme(session, storage, chart.team_id, chart.theme_id)
    # The language of the chart's numbers and dates: its own (options.locale), else the site's.
    locale = (await read_app_settings(storage)).locale
    return {
        "public_id": public_id,
        "public_version": public_version,
        "title": chart.title,
        "description": chart.description,
        "chart_type": chart.chart_type,
        "config": config,
        "data": data if data is not None else {"columns": [], "rows": []},
        "theme": theme.model_dump(),
        "locale": locale,
    }


async def dashboard_document(
    session: Session, storage: StorageBackend, dashboard: Dashboard, public_id: str, public_version: int
) -> dict[str, Any]:
    """The dashboard and every chart of its layout (same team), keyed by chart id as the layout is."""
    charts: dict[str, Any] = {}
    for item in dashboard.layout or []:
        chart_id = item.get("chart_id") if isinstance(item, dict) else None
        if not isinstance(chart_id, str) or chart_id in charts:
            continue
        chart = session.get(Chart, chart_id)
        if chart is None or chart.team_id != dashboard.team_id:
            continue  # deleted since the layout was saved
        chart_public = chart.public_id if chart.is_published else None
        charts[chart_id] = await chart_document(session, storage, chart, chart_public, chart.public_version)
    return {
        "public_id": public_id,
        "public_version": public_version,
        "title": dashboard.title,
        "description": dashboard.description,
        "layout": list(dashboard.layout or []),
        "charts": charts,
    }


async def publish(
    session: Session, storage: StorageBackend, kind: Kind, item: Chart | Dashboard, edge: Edge | None = None
) -> None:
    """Freeze the item's current state as public version n+1; the public id is made once and kept.

    With an edge (cloud mode), the same frozen payload is then written there as static files.
    """
    if not (await read_app_settings(storage)).allow_public_embeds:
        raise ApiError(
            403,
            "Publishing is turned off for this site: an admin can allow it in Settings "
            "(allow_public_embeds).",
        )
    model = _MODELS[kind]
    public_id = item.public_id or new_public_id()
    old_version = item.public_version
    version = old_version + 1
    if isinstance(item, Chart):
        document = await chart_document(session, storage, item, public_id, version)
    else:
        document = await dashboard_document(session, storage, item, public_id, version)
    session.commit()  # end the read transaction: nothing is held while storage works
    body = encode_payload(document)
    key = public_key(kind, item.id)
    previous = await _stored_or_none(storage, key) if old_version else None
    # The document goes first: a reader that sees the new version in the database finds it stored.
    await storage.write(key, body)
    now = utcnow()
    try:
        result = session.execute(
            update(model)
            .where(model.id == item.id, model.public_version == old_version)
            # One timestamp for both, so "saved after publishing" (updated_at > published_at) means a real
            # edit.
            .values(
                public_id=public_id,
                public_version=version,
                is_published=True,
                published_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        won = getattr(result, "rowcount", 0) == 1
        if won:
            session.commit()
    except Exception:
        # The database did not record this version: put back what the recorded one serves.
        session.rollback()
        await _put_back(storage, key, previous)
        raise
    if not won:
        # Another publish won meanwhile; its document (the same item, frozen a moment apart) stays.
        session.rollback()
        raise ApiError(409, f"This {kind} was published or deleted meanwhile: reload it and try again.")
    session.refresh(item)
    if edge is not None:
        png = await _snapshot(storage, item.id) if kind == "chart" else None
        origins = team_frame_ancestors(session, item.team_id)
        await _on_edge(edge.publish(EdgeItem(kind, public_id, body, item.title, png, origins)), kind)


async def unpublish(
    session: Session, storage: StorageBackend, kind: Kind, item: Chart | Dashboard, edge: Edge | None = None
) -> None:
    """The public URL answers 404 from the next request on; the public id is kept for a republish."""
    model = _MODELS[kind]
    session.execute(
        update(model)
        .where(model.id == item.id)
        .values(is_published=False)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    # Unpublished from here on (public reads check the row); a file left behind is overwritten by the
    # next publish and never served meanwhile.
    with contextlib.suppress(StorageError):
        await storage.delete(public_key(kind, item.id))
    session.refresh(item)
    await take_off_edge(session, edge, EdgeRemoval(kind, item.id, item.team_id, item.public_id))


@dataclass(frozen=True)
class EdgeRemoval:
    """What removing an item from the edge needs, read before its row is deleted."""

    kind: Kind
    item_id: str
    team_id: str
    public_id: str | None


async def take_off_edge(session: Session, edge: Edge | None, removal: EdgeRemoval) -> None:
    """Remove an unpublished or deleted item's static files, and a chart from published dashboards."""
    if edge is None:
        return
    if removal.public_id is not None:
        await _on_edge(edge.remove(removal.public_id), removal.kind)
    if removal.kind == "chart":
        origins = team_frame_ancestors(session, removal.team_id)
        for dashboard_public_id in dashboards_showing(session, removal.team_id, removal.item_id):
            await _on_edge(edge.drop_chart(dashboard_public_id, removal.item_id, origins), "dashboard")


def team_frame_ancestors(session: Session, team_id: str) -> tuple[str, ...] | None:
    """The sites the team lets embed its published items (None = any), as the edge stores them."""
    team = session.get(Team, team_id)
    return tuple(team.embed_origins) if team is not None and team.embed_origins else None


async def reframe_team_on_edge(session: Session, edge: Edge | None, team_id: str) -> int:
    """After a team's allowlist changed: every published page of the team carries the new one."""
    if edge is None:
        return 0
    origins = team_frame_ancestors(session, team_id)
    count = 0
    for model in _MODELS.values():
        public_ids = session.scalars(
            select(model.public_id).where(
                model.team_id == team_id, model.is_published.is_(True), model.public_id.is_not(None)
            )
        ).all()
        for public_id in public_ids:
            await _on_edge(edge.set_frame_ancestors(str(public_id), origins), "embed allowlist")
            count += 1
    return count


def dashboards_showing(session: Session, team_id: str, chart_id: str) -> list[str]:
    """Public ids of the team's published dashboards whose layout holds the chart."""
    rows = session.execute(
        select(Dashboard.public_id, Dashboard.layout).where(
            Dashboard.team_id == team_id, Dashboard.is_published.is_(True)
        )
    ).all()
    return [
        public_id
        for public_id, layout in rows
        if public_id
        and any(isinstance(entry, dict) and entry.get("chart_id") == chart_id for entry in layout or [])
    ]


async def _stored_or_none(storage: StorageBackend, key: str) -> bytes | None:
    try:
        return await storage.read(key)
    except ObjectNotFound:
        return None


async def _put_back(storage: StorageBackend, key: str, previous: bytes | None) -> None:
    """Best effort: if storage fails here too, the newer bytes stay until the next publish rewrites them."""
    with contextlib.suppress(StorageError):
        if previous is None:
            await storage.delete(key)
        else:
            await storage.write(key, previous)


async def _snapshot(storage: StorageBackend, chart_id: str) -> bytes | None:
    """The chart's PNG snapshot (made by the web app), the embed's fallback; None if there is none."""
    try:
        return await storage.read(snapshot_key(chart_id))
    except ObjectNotFound:
        return None


async def _on_edge(work: Awaitable[object], kind: str) -> None:
    try:
        async with away_from_database():  # the CDN's bucket is S3 too: no session slot held meanwhile
            await work
    except StoryAnalyticsError as exc:
        raise ApiError(
            503,
            f"The {kind} is saved, but its copy on the CDN could not be updated ({exc}): "
            "try again, or run `story-analytics publish --sync`.",
        ) from None


def public_not_found(kind: Kind) -> ApiError:
    return ApiError(
        404, f"No published {kind} at this address: it may have been unpublished, or the link is mistyped."
    )


def _lookup_statement(kind: Kind) -> Select[Any]:
    model = _MODELS[kind]
    return (
        select(model.id, model.public_version, Team.embed_origins)
        .join(Team, Team.id == model.team_id)
        .where(model.public_id == bindparam("public_id"), model.is_published.is_(True))
    )


def lookup_public(engine: Engine, kind: Kind, public_id: str) -> tuple[str, int, list[Any] | None] | None:
    """(item id, public version, team embed origins) of a published item, in one indexed query.

    This runs on every public read (a 304 included), so it goes straight to the pooled DB-API
    connection with SQL compiled once: about a fifth of the cost of a Core select.
    """
    if not looks_like_public_id(public_id):
        return None
    statement = compile_once(engine, f"public-{kind}", partial(_lookup_statement, kind))
    row = fetch_one(engine, statement, {"public_id": public_id})
    if row is None:
        return None
    origins = row[2]
    if isinstance(origins, str):  # SQLite hands JSON back as text
        origins = json.loads(origins)
    return str(row[0]), int(row[1]), origins if isinstance(origins, list) else None


async def load_public_document(
    storage: StorageBackend, cache: PublicCache, kind: Kind, public_id: str, item_id: str, public_version: int
) -> PublicDocument:
    """The published bytes and their ETag; read from storage once per version and instance."""
    document = cache.get(kind, public_id, public_version)
    if document is not None:
        return document
    try:
        body = await storage.read(public_key(kind, item_id))
    except ObjectNotFound:
        raise public_not_found(kind) from None
    document = PublicDocument(
        body=body, etag=make_etag(public_id, public_version, body), public_version=public_version
    )
    cache.put(kind, public_id, document)
    return document
