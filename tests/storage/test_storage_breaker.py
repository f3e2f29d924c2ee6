"""The storage circuit breaker: after storage fails to answer, calls fail at once until a probe succeeds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from storyanalytics.storage import ObjectNotFound, StorageBackend, StorageUnavailable
from storyanalytics.storage.breaker import StorageBreaker


class ScriptedStorage(StorageBackend):
    """Every read runs `behaviour` (set by the test); `calls` counts the reads that reached it."""

    def __init__(self) -> None:
        self.calls = 0
        self.behaviour: Callable[[], Awaitable[bytes]] = self.answer

    async def answer(self) -> bytes:
        return b"ok"

    async def read(self, path: str) -> bytes:
        self.calls += 1
        return await self.behaviour()

    async def write(self, path: str, data: bytes) -> None:
        await self.read(path)

    async def delete(self, path: str) -> None:
        await self.read(path)

    async def list(self, prefix: str = "") -> list[str]:
        return []

    async def exists(self, path: str) -> bool:
        return bool(await self.read(path))


async def unreachable() -> bytes:
    raise StorageUnavailable("cannot reach S3")


async def missing() -> bytes:
    raise ObjectNotFound("no object")


async def hang() -> bytes:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


def run(work: Awaitable[object]) -> object:
    async def main() -> object:
        return await work

    return asyncio.run(main())


def test_a_call_that_cannot_reach_storage_makes_the_next_ones_fail_at_once() -> None:
    inner = ScriptedStorage()
    breaker = StorageBreaker(inner, open_seconds=60)
    inner.behaviour = unreachable
    with pytest.raises(StorageUnavailable):
        run(breaker.read("a.json"))
    inner.behaviour = inner.answer
    with pytest.raises(StorageUnavailable, match="did not answer a moment ago") as caught:
        run(breaker.write("b.json", b"x"))
    assert inner.calls == 1
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1


def test_a_call_past_its_deadline_opens_the_breaker() -> None:
    inner = ScriptedStorage()
    breaker = StorageBreaker(inner, call_seconds=0.05, open_seconds=60)
    inner.behaviour = hang
    with pytest.raises(StorageUnavailable, match="did not answer within"):
        run(breaker.read("a.json"))
    assert breaker.is_open


def test_a_missing_key_leaves_the_breaker_closed() -> None:
    inner = ScriptedStorage()
    breaker = StorageBreaker(inner, open_seconds=60)
    inner.behaviour = missing
    with pytest.raises(ObjectNotFound):
        run(breaker.read("a.json"))
    inner.behaviour = inner.answer
    assert run(breaker.read("a.json")) == b"ok"
    assert not breaker.is_open


def test_after_the_open_time_one_probe_goes_through_and_others_still_fail_at_once() -> None:
    inner = ScriptedStorage()
    breaker = StorageBreaker(inner, open_seconds=0)
    inner.behaviour = unreachable
    with pytest.raises(StorageUnavailable):
        run(breaker.read("a.json"))
    release = None

    async def slow_answer() -> bytes:
        assert release is not None
        await release.wait()
        return b"back"

    async def probe_and_another() -> tuple[bytes, BaseException | None]:
        nonlocal release
        release = asyncio.Event()
        inner.behaviour = slow_answer
        probe = asyncio.ensure_future(breaker.read("probe.json"))
        await asyncio.sleep(0)  # the probe is in flight
        try:
            await breaker.read("other.json")
            other: BaseException | None = None
        except StorageUnavailable as exc:
            other = exc
        release.set()
        return await probe, other

    answer, other = asyncio.run(probe_and_another())
    assert answer == b"back"
    assert isinstance(other, StorageUnavailable)
    assert not breaker.is_open


def test_a_failed_probe_opens_the_breaker_again() -> None:
    inner = ScriptedStorage()
    breaker = StorageBreaker(inner, open_seconds=0)
    inner.behaviour = unreachable
    for _ in range(2):
        with pytest.raises(StorageUnavailable):
            run(breaker.read("a.json"))
    assert inner.calls == 2  # each probe reached storage, and each failure opened it again
    assert breaker.is_open
