"""Run many small blocking calls off the event loop with one thread hop per batch instead of per call.

A lone call costs the same as `asyncio.to_thread`. When many coroutines ask at once (a page listing
charts, `asyncio.gather` of reads), the calls made in the same loop iteration go to the worker threads
in a few chunks, so the hop's fixed cost is shared; each call still gets its own result or exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_Outcome = tuple[bool, object]  # (succeeded, result or exception)


class BlockingBatcher(Generic[Item, Result]):
    def __init__(self, function: Callable[[Item], Result], max_chunk: int = 16, workers: int = 8) -> None:
        self._function = function
        self._max_chunk = max_chunk
        self._workers = workers
        # Calls collected during the current loop iteration, per running loop.
        self._collecting: dict[asyncio.AbstractEventLoop, list[tuple[Item, asyncio.Future[Result]]]] = {}

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        batch = self._collecting.get(loop)
        if batch is None:
            batch = self._collecting[loop] = []
            loop.call_soon(self._flush, loop)
        batch.append((item, future))
        return await future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._collecting.pop(loop)
        # Enough chunks to keep several threads busy, none larger than max_chunk.
        size = max(1, min(self._max_chunk, -(-len(batch) // self._workers)))
        for start in range(0, len(batch), size):
            chunk = batch[start : start + size]
            done = loop.run_in_executor(None, self._run, [item for item, _ in chunk])
            done.add_done_callback(lambda finished, chunk=chunk: self._deliver(chunk, finished))  # type: ignore[misc]

    def _run(self, items: list[Item]) -> list[_Outcome]:
        outcomes: list[_Outcome] = []
        for item in items:
            try:
                outcomes.append((True, self._function(item)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    @staticmethod
    def _deliver(
        chunk: list[tuple[Item, asyncio.Future[Result]]], finished: asyncio.Future[list[_Outcome]]
    ) -> None:
        if finished.cancelled() or finished.exception() is not None:
            error = finished.exception() if not finished.cancelled() else asyncio.CancelledError()
            for _, future in chunk:
                if not future.done():
                    future.set_exception(error or RuntimeError("worker failed"))
            return
        for (_, future), (succeeded, value) in zip(chunk, finished.result(), strict=True):
            if future.done():  # the caller was cancelled
                continue
            if succeeded:
                future.set_result(value)  # type: ignore[arg-type]
            else:
                future.set_exception(value)  # type: ignore[arg-type]
