"""Session slots: held only for database work; requests back from storage go first; pending writes refused."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, update
from sqlalchemy.orm import Session, sessionmaker

from storyanalytics.api.errors import ApiError
from storyanalytics.api.session_slots import (
    CURRENT_LEASE,
    SessionLease,
    SessionSlots,
    away_from_database,
    end_read_transaction,
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


def test_a_new_app_tracks_its_writes_even_where_an_old_apps_factory_was(tmp_path: Path) -> None:
    """SQLAlchemy's event registry keys on id(): a factory at a collected one's address is still new."""
    engine = create_engine(f"sqlite:///{tmp_path / 'slots.db'}")
    upgrade(engine)
    reused = factory_at_a_collected_tracked_factorys_address(engine)
    track_writes(reused)
    session = reused()
    session.execute(update(AppSetting).values(value="x"))
    with pytest.raises(RuntimeError, match="commit or roll them back first"):
        end_read_transaction(session)


def factory_at_a_collected_tracked_factorys_address(engine: Engine) -> sessionmaker[Session]:
    """Tracked factories are dropped until CPython hands one's memory to a new factory (it soon does)."""
    addresses: set[int] = set()
    for _ in range(100):
        for factory in [make_session_factory(engine) for _ in range(20)]:
            track_writes(factory)
            addresses.add(id(factory))
        gc.collect()
        for factory in [make_session_factory(engine) for _ in range(20)]:
            if id(factory) in addresses:
                return factory
    raise AssertionError("no address was reused: this interpreter does not show the case")
