"""A circuit breaker in front of a storage backend: while storage is away, calls fail at once.

Once a call fails to reach storage (`StorageUnavailable` from the backend: no answer in time, a lost
connection, a server error; or the breaker's own optional deadline, `call_seconds`, for backends that
do not bound their calls), the breaker opens for `open_seconds`: every call then raises
`StorageUnavailable` at once, naming when to try again, so a web request answers 503 in milliseconds
instead of each one waiting out its own timeouts. After that, one call at a time goes through as a probe
(the health check's, or a user's); its success closes the breaker, its failure opens it again. Other
answers (a missing key, a refused key, access denied) say nothing about availability and pass through.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from storyanalytics.storage.base import (
    SLOWEST_WRITE_BYTES_PER_SECOND,
    DirectUpload,
    StorageBackend,
    StorageUnavailable,
)

Result = TypeVar("Result")


class RefusedWhileAway(StorageUnavailable):
    """Not sent to storage at all: it failed to answer a moment ago (logged quietly, it says nothing new)."""


class StorageBreaker(StorageBackend):
    """Wraps `inner`; everything but the five storage calls is passed through unchanged."""

    def __init__(
        self, inner: StorageBackend, *, call_seconds: float | None = None, open_seconds: float = 3.0
    ) -> None:
        self.inner = inner
        self.call_seconds = call_seconds
        self.open_seconds = open_seconds
        self._open_until = 0.0
        self._probing = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def is_open(self) -> bool:
        """True while storage counts as unavailable (calls fail at once, apart from one probe)."""
        return self._open_until > 0

    def _admit(self, what: str) -> bool:
        """Whether this call may go to storage; True when it is the probe of a half-open breaker."""
        if not self._open_until:
            return False
        wait = self._open_until - time.monotonic()
        if wait > 0 or self._probing:
            retry_after = max(1, math.ceil(wait if wait > 0 else self.open_seconds))
            raise RefusedWhileAway(
                f"cannot {what}: storage did not answer a moment ago; try again in {retry_after} s",
                retry_after=retry_after,
            )
        self._probing = True
        return True

    def _trip(self) -> None:
        self._open_until = time.monotonic() + self.open_seconds

    async def _call(self, what: str, work: Awaitable[Result], seconds: float | None) -> Result:
        try:
            probe = self._admit(what)
        except StorageUnavailable:
            if asyncio.iscoroutine(work):
                work.close()  # never started: no "coroutine was never awaited" warning
            raise
        try:
            result = await (work if seconds is None else asyncio.wait_for(work, seconds))
        except TimeoutError:
            self._trip()
            raise StorageUnavailable(
                f"cannot {what}: storage did not answer within {seconds:g} s; try again shortly",
                retry_after=math.ceil(self.open_seconds),
            ) from None
        except StorageUnavailable:
            self._trip()
            raise
        else:
            self._open_until = 0.0
            return result
        finally:
            if probe:
                self._probing = False

    async def read(self, path: str) -> bytes:
        return await self._call(f"read {path!r}", self.inner.read(path), self.call_seconds)

    async def write(self, path: str, data: bytes) -> None:
        seconds = self.call_seconds
        if seconds is not None:
            seconds += len(data) / SLOWEST_WRITE_BYTES_PER_SECOND
        await self._call(f"write {path!r}", self.inner.write(path, data), seconds)

    async def delete(self, path: str) -> None:
        await self._call(f"delete {path!r}", self.inner.delete(path), self.call_seconds)

    async def list(self, prefix: str = "") -> list[str]:
        return await self._call(f"list {prefix!r}", self.inner.list(prefix), self.call_seconds)

    async def exists(self, path: str) -> bool:
        return await self._call(f"check {path!r}", self.inner.exists(path), self.call_seconds)

    def describe(self) -> str:
        return self.inner.describe()

    def direct_upload(self, path: str, max_bytes: int, expires_in: int) -> DirectUpload | None:
        return self.inner.direct_upload(path, max_bytes, expires_in)
