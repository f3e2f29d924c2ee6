"""The storage circuit breaker: after storage fails to answer, calls fail at once until a probe succeeds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from storage_fakes import ScriptedStorage, hang, missing, run

from storyanalytics.storage import ObjectNotFound, StorageUnavailable
from storyanalytics.storage.breaker import StorageBreaker


def test_a_call_that_cannot_reach_storage_makes_the_next_ones_fail_at_once(
    scripted: ScriptedStorage, tripped: Callable[[float], StorageBreaker]
) -> None:
    breaker = tripped(60)
    scripted.behaviour = scripted.answer
    with pytest.raises(StorageUnavailable, match="did not answer a moment ago") as caught:
        run(breaker.write("b.json", b"x"))
    assert scripted.calls == 1
    assert caught.value.retry_after is not None and caught.value.retry_after >= 1


def test_a_call_past_its_deadline_opens_the_breaker(scripted: ScriptedStorage) -> None:
    breaker = StorageBreaker(scripted, call_seconds=0.05, open_seconds=60)
    scripted.behaviour = hang
    with pytest.raises(StorageUnavailable, match="did not answer within"):
        run(breaker.read("a.json"))
    assert breaker.is_open


def test_a_missing_key_leaves_the_breaker_closed(scripted: ScriptedStorage) -> None:
    breaker = StorageBreaker(scripted, open_seconds=60)
    scripted.behaviour = missing
    with pytest.raises(ObjectNotFound):
        run(breaker.read("a.json"))
    scripted.behaviour = scripted.answer
    assert run(breaker.read("a.json")) == b"ok"
    assert not breaker.is_open


def test_after_the_open_time_one_probe_goes_through_and_others_still_fail_at_once(
    scripted: ScriptedStorage, tripped: Callable[[float], StorageBreaker]
) -> None:
    breaker = tripped(0)
    release = None

    async def slow_answer() -> bytes:
        assert release is not None
        await release.wait()
        return b"back"

    async def probe_and_another() -> tuple[bytes, BaseException | None]:
        nonlocal release
        release = asyncio.Event()
        scripted.behaviour = slow_answer
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


def test_a_failed_probe_opens_the_breaker_again(
    scripted: ScriptedStorage, tripped: Callable[[float], StorageBreaker]
) -> None:
    breaker = tripped(0)
    with pytest.raises(StorageUnavailable):
        run(breaker.read("a.json"))
    assert scripted.calls == 2  # each probe reached storage, and each failure opened it again
    assert breaker.is_open
