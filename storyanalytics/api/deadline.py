"""An overall deadline per request: a JSON 503 in time instead of a hang.

A write cut off by the deadline may still finish in the background (a storage call already sent), so its
503 says so plainly: the client reloads before trying again, and optimistic locking (`version`) refuses a
blind second attempt on top of a change that did land.
"""

from __future__ import annotations

import asyncio
import contextlib

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


class RequestDeadlineMiddleware:
    """Cancels a request that has not started answering after `seconds` and answers 503 instead."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, watch))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if done or started:
            # Finished, or already streaming its answer: let it complete (errors surface as before).
            await task
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if started:
            return
        response = error_response(
            503,
            timed_out_detail(scope["method"], self.seconds),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        await response(scope, receive, send)
