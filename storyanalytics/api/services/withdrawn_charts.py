"""A published dashboard never serves a chart that was deleted or unpublished since it was published.

The dashboard's payload is frozen at publish time, charts included; checked against the database on
every read, a chart that is gone, or was published and then unpublished, is taken out of `charts` at
once (the layout keeps its tile, which the web app shows as removed). A chart that was never published
on its own still shows inside the dashboard, as it did when the dashboard was published.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storyanalytics.db.models import Chart
from storyanalytics.publish.payloads import PublicDocument, make_etag


def withdrawn_chart_ids(engine: Engine, chart_ids: list[str]) -> set[str]:
    if not chart_ids:
        return set()
    with engine.connect() as connection:
        rows = connection.execute(
            select(Chart.id, Chart.is_published, Chart.public_id).where(Chart.id.in_(chart_ids))
        ).all()
    still_shown = {chart_id for chart_id, published, public_id in rows if published or public_id is None}
    return set(chart_ids) - still_shown


def without_withdrawn_charts(engine: Engine, public_id: str, document: PublicDocument) -> PublicDocument:
    """The dashboard payload minus charts deleted or unpublished since; the same object if none were."""
    payload: dict[str, Any] = json.loads(document.body)
    charts = payload.get("charts") or {}
    withdrawn = withdrawn_chart_ids(engine, list(charts))
    if not withdrawn:
        return document
    payload["charts"] = {key: value for key, value in charts.items() if key not in withdrawn}
    body = json.dumps(payload, separators=(",", ":")).encode()
    return PublicDocument(
        body=body,
        etag=make_etag(public_id, document.public_version, body),
        public_version=document.public_version,
    )
