"""Bounded request bodies: read before any route runs, with deadlines, a size cap and a JSON depth cap.

uvicorn has no body timeout, and a route's dependencies (a database session slot among them) are held
while the route awaits its body. So the whole body is read here first: a client that stalls holds only
its own socket and buffer, never a session; one that sends nothing for `body_idle_seconds` (or takes
longer than `body_timeout_seconds` overall) gets a 408. JSON bodies are capped at MAX_JSON_KB (413 names
the limit) and refused with 400 when nested deeper than MAX_JSON_DEPTH, on every route.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyanalytics.api.errors import error_response

# Deeper than any chart, dashboard or theme config; far below where a recursive parser would overflow.
MAX_JSON_DEPTH = 64
# Multipart boundaries and part headers on top of the largest file a route accepts.
MULTIPART_OVERHEAD = 64 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class BodyLimits:
    """What a request body may cost; built from Settings in the app factory."""

    max_json_bytes: int
    max_file_bytes: int
    idle_seconds: float
    total_seconds: float

    @property
    def max_json_kb(self) -> int:
        return self.max_json_bytes // 1024


class BodyRefused(Exception):
    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iterative: no recursion to overflow)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_depth(body: bytes) -> None:
    """400 for JSON nested too deeply; malformed JSON is left to the route, which names the problem."""
    if not body.strip():
        return
    try:
        parsed = json.loads(body)
    except RecursionError:
        parsed = None
        too_deep = True
    except ValueError:
        return
    else:
        too_deep = json_depth(parsed) > MAX_JSON_DEPTH
    if too_deep:
        raise BodyRefused(
            400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels: send a flatter document."
        )


class BodyGuardMiddleware:
    """Reads each request body completely (bounded in size and time) before the app sees the request."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    def _limit(self, headers: dict[bytes, bytes]) -> tuple[int, str]:
        if is_json(headers.get(b"content-type", b"").decode("latin-1")):
            kb = self.limits.max_json_kb
            return self.limits.max_json_bytes, (
                f"The JSON body is larger than {kb} KB (MAX_JSON_KB): make the chart or dashboard "
                "config smaller, or keep the data in the CSV."
            )
        mb = self.limits.max_file_bytes // (1024 * 1024)
        return self.limits.max_file_bytes + MULTIPART_OVERHEAD, (
            f"The request body is larger than {mb} MB (MAX_UPLOAD_MB): upload a smaller file."
        )

    async def _read(self, receive: Receive, limit: int, too_large: str, declared: int | None) -> bytes:
        if declared is not None and declared > limit:
            raise BodyRefused(413, too_large)
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.limits.total_seconds
        while True:
            wait = min(self.limits.idle_seconds, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(receive(), timeout=max(wait, 0.001))
            except TimeoutError:
                raise BodyRefused(
                    408, "The request body arrived too slowly and was dropped: send it again."
                ) from None
            if message["type"] == "http.disconnect":
                raise ConnectionAbortedError
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyRefused(413, too_large)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        limit, too_large = self._limit(headers)
        declared_text = headers.get(b"content-length", b"").decode("latin-1")
        declared = int(declared_text) if declared_text.isdigit() else None
        try:
            body = await self._read(receive, limit, too_large, declared)
            if is_json(headers.get(b"content-type", b"").decode("latin-1")):
                check_json_depth(body)
        except BodyRefused as refused:
            response = error_response(refused.status_code, refused.detail, {"Connection": "close"})
            await response(scope, receive, send)
            return
        except ConnectionAbortedError:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
