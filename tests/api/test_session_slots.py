"""Session slots: held only for database work; requests back from storage go first; pending writes refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from storyanalytics.api.errors import ApiError
from storyanalytics.api.session_slots import (
    CURRENT_LEASE,
    SessionLease,
    SessionSlots,
    away_from_database,
    track_writes,
)
from storyanalytics.db import make_session_factory, upgrade
from storyanalytics.db.models import AppSetting


def test_a_request_back_from_storage_gets_the_next_slot_before_new_ones() -> None:
    async def scenario() -> list[str]:
        slots = SessionSlots(1)
        await slots.acquire()
        order: list[str] = []

        async def take(name: str, returning: bool) -> None:
            await slots.acquire(returning=returning)
            order.append(name)
            slots.release()

        new = asyncio.ensure_future(take("new", False))
        await asyncio.sleep(0)
        back = asyncio.ensure_future(take("back", True))
        await asyncio.sleep(0)
        slots.release()
        await asyncio.gather(new, back)
        return order

    assert asyncio.run(scenario()) == ["back", "new"]


def test_no_slot_within_the_wait_answers_503_busy() -> None:
    async def scenario() -> None:
        slots = SessionSlots(1)
        await slots.acquire()
        await slots.acquire(timeout=0.01)

    with pytest.raises(ApiError) as caught:
        asyncio.run(scenario())
    assert caught.value.status_code == 503
    assert caught.value.headers == {"Retry-After": "2"}


@pytest.fixture
def session(tmp_path: Path) -> Session:
    engine = create_engine(f"sqlite:///{tmp_path / 'slots.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    track_writes(factory)
    return factory()


def test_waiting_on_storage_frees_the_slot_and_takes_it_back_after(session: Session) -> None:
    async def scenario() -> tuple[int, int, bool]:
        slots = SessionSlots(1)
        await slots.acquire()
        CURRENT_LEASE.set(SessionLease(slots, session))
        session.get(AppSetting, "site_title")  # a read opens a transaction
        async with away_from_database():
            free_meanwhile = slots.free
            in_transaction = session.in_transaction()
        return free_meanwhile, slots.free, in_transaction

    assert asyncio.run(scenario()) == (1, 0, False)


def test_waiting_on_storage_with_unsaved_database_changes_is_refused(session: Session) -> None:
    async def scenario() -> None:
        slots = SessionSlots(1)
        await slots.acquire()
        CURRENT_LEASE.set(SessionLease(slots, session))
        session.execute(update(AppSetting).values(value="x"))
        async with away_from_database():
            raise AssertionError("unreachable")

    with pytest.raises(RuntimeError, match="commit or roll them back first"):
        asyncio.run(scenario())
