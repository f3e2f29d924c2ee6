"""A storage backend the test scripts, and what its calls may do (answer, fail, hang)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from storyanalytics.storage import ObjectNotFound, StorageBackend, StorageUnavailable


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
