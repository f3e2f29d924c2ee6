"""Database session slots: a request holds one while it works with the database, never while it waits.

A request's session may keep its pooled connection across awaits, and an empty pool blocks the event
loop on checkout (so the holders could never give theirs back). So a request first waits, without
blocking the loop, for one of MAX_CONCURRENT_SESSIONS slots: fewer than the pool's 5 + 10 connections,
which leaves room for the short checkouts that never await (public reads, health). One that cannot get
a slot within SESSION_WAIT_SECONDS answers 503 instead of queueing behind a hang.

While a request waits on storage or the CDN it gives its slot back: `away_from_database()` ends the
session's read transaction, releases the slot, and takes one again afterwards, ahead of requests that
have not started yet. So a hung S3, like a crowd of slow uploads (whose bodies are read before any
route runs, see limits.py), never keeps sign-in and the database-only routes waiting. Waiting on storage
with unsaved database changes would hold their locks, so it is refused as a programming error: commit
(or roll back) first, and write the database in a short transaction after the storage call.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from storyanalytics.api.errors import ApiError
from storyanalytics.storage import DirectUpload, StorageBackend

MAX_CONCURRENT_SESSIONS = 10
SESSION_WAIT_SECONDS = 8
BUSY = "The server is busy right now: try again in a few seconds."
WROTE = "storyanalytics.wrote"  # session.info flag: the open transaction changed something


class SessionSlots:
    """A counting semaphore with two queues: requests coming back from storage go before new ones."""

    def __init__(self, size: int = MAX_CONCURRENT_SESSIONS) -> None:
        self._free = size
        self._returning: deque[asyncio.Future[None]] = deque()
        self._arriving: deque[asyncio.Future[None]] = deque()

    @property
    def free(self) -> int:
        return self._free

    async def acquire(self, *, returning: bool = False, timeout: float | None = SESSION_WAIT_SECONDS) -> None:
        """Take a slot; 503 when none frees up within `timeout` seconds (None: wait as long as it takes)."""
        if self._free > 0 and not self._returning and (returning or not self._arriving):
            self._free -= 1
            return
        queue = self._returning if returning else self._arriving
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(granted)
        try:
            await asyncio.wait_for(granted, timeout)
        except BaseException as exc:
            if granted.done() and not granted.cancelled():
                self.release()  # handed over just as we gave up: pass it on
            else:
                granted.cancel()
                with contextlib.suppress(ValueError):
                    queue.remove(granted)
            if isinstance(exc, TimeoutError):
                raise ApiError(503, BUSY, {"Retry-After": "2"}) from None
            raise

    def release(self) -> None:
        for queue in (self._returning, self._arriving):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1


@dataclass
class SessionLease:
    """One request's session and whether it holds a slot right now."""

    slots: SessionSlots
    session: Session
    held: bool = True
    away: int = 0  # storage calls in flight (a request may await several at once)


CURRENT_LEASE: ContextVar[SessionLease | None] = ContextVar("storyanalytics_session_lease", default=None)


def end_read_transaction(session: Session) -> None:
    """End the session's transaction before a wait; one with unsaved changes is a bug in the route."""
    if session.new or session.dirty or session.deleted or session.info.get(WROTE):
        raise RuntimeError(
            "database changes are pending while waiting on storage: commit or roll them back first"
        )
    if session.in_transaction():
        session.commit()  # nothing to write; expire_on_commit=False keeps the loaded objects usable


@contextlib.asynccontextmanager
async def away_from_database() -> AsyncIterator[None]:
    """Around a wait on something other than the database: the request's slot is free meanwhile."""
    lease = CURRENT_LEASE.get()
    if lease is None:
        yield
        return
    if lease.away == 0 and lease.held:
        end_read_transaction(lease.session)
        lease.slots.release()
        lease.held = False
    lease.away += 1
    try:
        yield
    finally:
        lease.away -= 1
        if lease.away == 0 and not lease.held:
            # No cap here: slots are only ever held for short database work now, and what comes next
            # may be the write that completes (or undoes) what storage just did.
            await lease.slots.acquire(returning=True, timeout=None)
            lease.held = True


def _mark_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _mark_flush(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


def _clear(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


_TRACKED: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def track_writes(factory: sessionmaker[Session]) -> None:
    """Let `end_read_transaction` see writes made through `session.execute(update(...))` and flushes.

    Once per factory, remembered in `_TRACKED` (weak references to the factories themselves): SQLAlchemy's
    `event.contains` keys on `id()`, so a new factory at the address of a collected one (tests start many
    apps) would pass for tracked.
    """
    if factory in _TRACKED:
        return
    event.listen(factory, "do_orm_execute", _mark_write)
    event.listen(factory, "after_flush", _mark_flush)
    event.listen(factory, "after_transaction_end", _clear)
    _TRACKED.add(factory)


class SessionFreeStorage(StorageBackend):
    """The app's storage: every call is made `away_from_database()`, so no route can forget to."""

    def __init__(self, inner: StorageBackend) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def read(self, path: str) -> bytes:
        if CURRENT_LEASE.get() is None:
            return await self.inner.read(path)
        async with away_from_database():
            return await self.inner.read(path)

    async def write(self, path: str, data: bytes) -> None:
        async with away_from_database():
            await self.inner.write(path, data)

    async def delete(self, path: str) -> None:
        async with away_from_database():
            await self.inner.delete(path)

    async def list(self, prefix: str = "") -> list[str]:
        async with away_from_database():
            return await self.inner.list(prefix)

    async def exists(self, path: str) -> bool:
        if CURRENT_LEASE.get() is None:
            return await self.inner.exists(path)
        async with away_from_database():
            return await self.inner.exists(path)

    def describe(self) -> str:
        return self.inner.describe()

    def direct_upload(self, path: str, max_bytes: int, expires_in: int) -> DirectUpload | None:
        return self.inner.direct_upload(path, max_bytes, expires_in)
