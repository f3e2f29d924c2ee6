"""The overall request deadline (RequestDeadlineMiddleware) as a plain ASGI app: who gets a 503, who not."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from storyanalytics.api.deadline import RequestDeadlineMiddleware

Message = dict[str, Any]
App = Callable[[Any, Any, Any], Awaitable[None]]
DEADLINE = 0.05


def http_scope(method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/api/settings", "headers": []}


async def answer(send: Callable[[Message], Awaitable[None]], body: bytes = b"{}") -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def hang(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.sleep(3600)


async def call(app: App, method: str = "GET") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestDeadlineMiddleware(app, DEADLINE)(http_scope(method), receive, send)
    return sent


def status_of(sent: list[Message]) -> int:
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


def test_a_request_is_served_in_the_servers_own_task() -> None:
    """No task of its own per request: that cost a fifth of the busiest read's CPU (bench/api.py)."""
    tasks: list[asyncio.Task[Any] | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        tasks.append(asyncio.current_task())
        await answer(send)

    async def server() -> asyncio.Task[Any] | None:
        await call(app)
        return asyncio.current_task()

    assert asyncio.run(server()) is tasks[0]


def test_requests_that_hang_one_after_another_each_answer_503() -> None:
    async def main() -> list[int]:
        return [status_of(await call(hang)) for _ in range(3)]

    assert asyncio.run(main()) == [503, 503, 503]


def test_hanging_requests_in_flight_together_each_answer_503_while_quick_ones_answer() -> None:
    async def quick(scope: Any, receive: Any, send: Any) -> None:
        await answer(send)

    async def main() -> list[int]:
        results = await asyncio.gather(call(hang), call(quick), call(hang, "PUT"), call(quick))
        return [status_of(sent) for sent in results]

    assert asyncio.run(main()) == [503, 200, 503, 200]


def test_the_503_of_a_cut_off_write_says_it_may_have_been_saved() -> None:
    sent = asyncio.run(call(hang, "PUT"))
    body = json.loads(next(m["body"] for m in sent if m["type"] == "http.response.body"))
    assert "may or may not have been saved" in body["detail"]


def test_an_answer_started_before_the_deadline_is_sent_in_full() -> None:
    async def slow_body(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(DEADLINE * 4)
        await send({"type": "http.response.body", "body": b"all of it"})

    sent = asyncio.run(call(slow_body))
    assert [m.get("status", m.get("body")) for m in sent] == [200, b"all of it"]


def test_an_app_that_swallows_the_cut_off_still_answers_503() -> None:
    async def stubborn(scope: Any, receive: Any, send: Any) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)

    assert status_of(asyncio.run(call(stubborn))) == 503


def test_the_apps_own_error_before_the_deadline_is_not_a_503() -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise TimeoutError("the app's own")

    with pytest.raises(TimeoutError, match="the app's own"):
        asyncio.run(call(broken))


def test_a_server_stopping_the_request_is_not_answered_503() -> None:
    async def main() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        middleware = RequestDeadlineMiddleware(hang, 3600)
        request = asyncio.ensure_future(middleware(http_scope(), receive, send))
        await asyncio.sleep(0)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        return sent

    assert asyncio.run(main()) == []
