"""Optimistic concurrency for versioned items (charts, dashboards): an edit names the version it began at.

The winner is decided by one conditional `UPDATE ... SET version = v + 1 WHERE id = :id AND version = :v`,
atomic on SQLite and PostgreSQL; the loser gets 409 and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storyanalytics.api.errors import ApiError
from storyanalytics.db.models import Chart, Dashboard

Kind = Literal["chart", "dashboard"]

_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    match = _IF_MATCH.match(value)
    if not match:
        raise ApiError(422, 'If-Match must be the chart version in quotes, e.g. If-Match: "3".')
    return int(match.group(1))


def expected_version(body_version: int | None, if_match: str | None) -> int:
    """The version the client edited: the body's `version`, else the If-Match header; 422 without either."""
    expected = body_version if body_version is not None else parse_if_match(if_match)
    if expected is None:
        raise ApiError(
            422, "Send the version you edited: a 'version' field in the body or an If-Match header."
        )
    return expected


def stale(kind: Kind, current: int, sent: int) -> ApiError:
    return ApiError(
        409,
        f"This {kind} was changed meanwhile (it is at version {current}, you sent {sent}): "
        "reload it and apply your change again.",
    )


def update_if_version(
    session: Session,
    model: type[Chart] | type[Dashboard],
    kind: Kind,
    item_id: str,
    expected: int,
    values: dict[str, Any],
) -> None:
    """Set `values` and version expected+1 only if the row is still at `expected` (not committed).

    Raises 404 when the item was deleted meanwhile and 409 when another change won; then nothing is changed.
    """
    result = session.execute(
        update(model)
        .where(model.id == item_id, model.version == expected)
        .values(version=expected + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        current = session.scalar(select(model.version).where(model.id == item_id))
        if current is None:
            raise ApiError(404, f"This {kind} was deleted meanwhile: nothing was saved.")
        raise stale(kind, current, expected)
