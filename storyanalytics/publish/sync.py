"""`publish --sync`: make the edge match the database, for items published before the edge existed,
after a migration, or after an edge write failed.

Every published chart and dashboard is written from its frozen payload (the one the app serves, so
the public version does not change); files of items no longer published are removed; one wildcard
the edge stack's invalidation function then refreshes the CDN from those writes (one "/*" for a
large batch).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storyanalytics.api.services.published import team_frame_ancestors
from storyanalytics.api.services.snapshots import snapshot_key
from storyanalytics.config import Settings
from storyanalytics.db import make_engine, make_session_factory
from storyanalytics.db.models import Chart, Dashboard
from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.publish.edge import Edge, EdgeItem
from storyanalytics.publish.payloads import chart_public_key, dashboard_public_key, encode_payload
from storyanalytics.storage import ObjectNotFound, StorageBackend, get_storage


class EdgeNotConfigured(StoryAnalyticsError):
    """There is no edge to sync to."""


@dataclass
class SyncReport:
    written: list[str] = field(default_factory=list)  # public URLs
    removed: list[str] = field(default_factory=list)  # public ids
    skipped: list[str] = field(default_factory=list)  # one sentence each

    def summary(self) -> str:
        parts = [f"{len(self.written)} published item(s) written", f"{len(self.removed)} stale removed"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts)


@dataclass(frozen=True)
class _Published:
    kind: str
    item_id: str
    team_id: str
    public_id: str
    title: str


def _published_items(session: Session) -> list[_Published]:
    items: list[_Published] = []
    for kind, model in (("chart", Chart), ("dashboard", Dashboard)):
        rows = session.execute(
            select(model.id, model.team_id, model.public_id, model.title).where(
                model.is_published.is_(True), model.public_id.is_not(None)
            )
        ).all()
        items += [_Published(kind, str(r[0]), str(r[1]), str(r[2]), str(r[3] or "")) for r in rows]
    return items


def _visible_chart_ids(session: Session, team_id: str) -> set[str]:
    """Charts a dashboard may still show: they exist, and were never published or still are."""
    rows = session.execute(
        select(Chart.id, Chart.public_id, Chart.is_published).where(Chart.team_id == team_id)
    ).all()
    return {str(r[0]) for r in rows if r[1] is None or r[2]}


def _without_hidden_charts(document: dict[str, Any], visible: set[str]) -> dict[str, Any]:
    charts = {k: v for k, v in (document.get("charts") or {}).items() if k in visible}
    layout = [
        entry
        for entry in document.get("layout") or []
        if not isinstance(entry, dict) or entry.get("chart_id") in charts
    ]
    return {**document, "charts": charts, "layout": layout}


async def _edge_item(session: Session, storage: StorageBackend, item: _Published) -> EdgeItem | None:
    key = chart_public_key(item.item_id) if item.kind == "chart" else dashboard_public_key(item.item_id)
    try:
        body = await storage.read(key)
    except ObjectNotFound:
        return None
    png = None
    if item.kind == "chart":
        try:
            png = await storage.read(snapshot_key(item.item_id))
        except ObjectNotFound:
            png = None
    else:
        document = _without_hidden_charts(json.loads(body), _visible_chart_ids(session, item.team_id))
        body = encode_payload(document)
    return EdgeItem(
        item.kind, item.public_id, body, item.title, png, team_frame_ancestors(session, item.team_id)
    )


async def sync_published(
    session_factory: sessionmaker[Session],
    storage: StorageBackend,
    edge: Edge,
    *,
    say: Callable[[str], None] = lambda _line: None,
) -> SyncReport:
    """Write every published item to the edge and remove the rest."""
    report = SyncReport()
    with session_factory() as session:
        items = _published_items(session)
        uploaded = await edge.ensure_assets()
        say(f"Embed bundle on the edge ({len(uploaded)} new asset file(s)).")
        for item in items:
            edge_item = await _edge_item(session, storage, item)
            if edge_item is None:
                report.skipped.append(
                    f"{item.kind} {item.item_id}: its frozen payload is missing; publish it again in the app"
                )
                continue
            report.written.append(await edge.publish(edge_item))
            say(f"  {item.kind} {item.title or item.item_id} -> {report.written[-1]}")
    wanted = {item.public_id for item in items}
    for public_id in sorted(await edge.published_ids() - wanted):
        await edge.remove(public_id)
        report.removed.append(public_id)
        say(f"  removed {public_id} (no longer published)")
    return report


def run_sync(settings: Settings, *, say: Callable[[str], None] = lambda _line: None) -> SyncReport:
    """The library call behind `story-analytics publish --sync`: everything from the settings."""
    from storyanalytics.api.spa import find_web_dist
    from storyanalytics.publish import edge_from_settings

    edge = edge_from_settings(settings, find_web_dist(settings))
    if edge is None:
        raise EdgeNotConfigured(
            "No edge to publish to: set EDGE_BUCKET and EDGE_URL (the edge stack's EdgeBucketName and "
            "PublicUrl outputs)."
        )
    engine = make_engine(settings.resolved_database_url)
    try:
        return asyncio.run(sync_published(make_session_factory(engine), get_storage(settings), edge, say=say))
    finally:
        engine.dispose()
