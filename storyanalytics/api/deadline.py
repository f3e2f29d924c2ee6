"""An overall deadline per request: a JSON 503 in time instead of a hang.

A write cut off by the deadline may still finish in the background (a storage call already sent), so its
503 says so plainly: the client reloads before trying again, and optimistic locking (`version`) refuses a
blind second attempt on top of a change that did land.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyanalytics.api.errors import error_response

# Long on purpose: the import copies a whole database and reports when done.
EXEMPT_PATHS = frozenset({"/api/admin/import-metadata"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_AFTER_SECONDS = 5


def timed_out_detail(method: str, seconds: float) -> str:
    if method in READ_METHODS:
        return f"The server did not answer within {seconds:g} s (REQUEST_TIMEOUT_SECONDS): try again shortly."
    return (
        f"The server did not finish within {seconds:g} s (REQUEST_TIMEOUT_SECONDS), so this change may or "
        "may not have been saved: reload before trying again."
    )


@dataclass(eq=False)
class _Request:
    task: asyncio.Task[Any]
    due: float
    started: bool = False  # answering already: let it complete
    cut_off: bool = False


class RequestDeadlineMiddleware:
    """Cancels a request that has not started answering after `seconds` and answers 503 instead.

    The request runs in the server's own task (a task of its own per request cost about a fifth of the
    CPU of the busiest read, GET /api/charts/<id>, in bench/api.py), and one timer serves every request:
    all have the same deadline, so the oldest in flight is always the next due.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: dict[_Request, None] = {}  # oldest first
        self._timer: asyncio.TimerHandle | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests start one per client): start afresh there
            self._loop, self._in_flight, self._timer = loop, {}, None
        request = _Request(task, loop.time() + self.seconds)
        cancelling = task.cancelling()
        self._in_flight[request] = None
        if self._timer is None:
            self._timer = loop.call_at(request.due, self._cut_off_due)

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                request.started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except asyncio.CancelledError:
            if not (request.cut_off and task.uncancel() <= cancelling):
                raise  # cancelled by someone else (the server stopping): not ours to answer
        except Exception:
            if not request.cut_off:
                raise  # the app's own error, answered as before
            task.uncancel()  # cut off: what the cancelled work raised on its way out is dropped
        else:
            if request.cut_off:
                task.uncancel()  # the app swallowed the cancellation
        finally:
            self._in_flight.pop(request, None)
        if request.started or not request.cut_off:
            return
        response = error_response(
            503,
            timed_out_detail(scope["method"], self.seconds),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        await response(scope, receive, send)

    def _cut_off_due(self) -> None:
        """Cancel every request past its deadline that has not started answering; wait for the next."""
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._in_flight:
            request = next(iter(self._in_flight))
            if request.due > now:
                self._timer = loop.call_at(request.due, self._cut_off_due)
                return
            del self._in_flight[request]
            if not request.started:
                request.cut_off = True
                request.task.cancel()
