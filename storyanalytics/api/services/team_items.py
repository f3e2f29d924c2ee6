"""What team-owned items (charts, dashboards, templates, themes, uploads) share: listing, row plus file."""

from __future__ import annotations

import contextlib
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.db.models import Base, Chart, Dashboard, User
from storyanalytics.storage import StorageBackend, StorageError

Filed = TypeVar("Filed", Chart, Dashboard)
Row = TypeVar("Row", bound=Base)


def list_filed_items(
    session: Session, model: type[Filed], teams: list[str], folder_id: str | None, q: str | None
) -> list[Filed]:
    """The teams' items, optionally in one folder and with `q` in the title, most recently changed first."""
    query = select(model).where(model.team_id.in_(teams))
    if folder_id is not None:
        query = query.where(model.folder_id == folder_id)
    if q:
        query = query.where(func.lower(model.title).contains(q.lower(), autoescape=True))
    return list(session.scalars(query.order_by(model.updated_at.desc(), model.id)))


async def add_with_file(session: Session, storage: StorageBackend, row: Base, key: str, data: bytes) -> None:
    """Store the item's file, then commit its row; if the commit fails the file is removed again."""
    await storage.write(key, data)
    session.add(row)
    try:
        session.commit()
    except Exception:
        session.rollback()
        await storage.delete(key)
        raise


async def delete_with_file(
    session: Session,
    storage: StorageBackend,
    user: User,
    model: type[Row],
    item_id: str,
    what: str,
    key: str,
    *,
    quiet: bool = True,
) -> None:
    """Delete the row (404 if not the user's teams'), then its file; with `quiet`, a file left behind is fine:
    nothing reaches it once the row is gone, and it can be swept later."""
    row = get_team_item_or_404(session, user, model, item_id, what)
    session.delete(row)
    session.commit()
    if not quiet:
        await storage.delete(key)
        return
    with contextlib.suppress(StorageError):
        await storage.delete(key)
