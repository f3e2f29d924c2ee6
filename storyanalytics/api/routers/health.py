"""GET /api/health: what a load balancer probes; 503 names the part that is down.

Each answer checks the database and the storage for real, with a short timeout each, so a hung part
turns the probe 503 within seconds and 200 again once it is back. Probes arriving together share one
check, and its result is kept for CACHE_SECONDS so a probe flood cannot become a database flood.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from storyanalytics import __version__
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.storage import StorageBackend

router = APIRouter(prefix="/api", tags=["health"], route_class=LazyAPIRoute)
logger = logging.getLogger("storyanalytics.api")

HEALTH_KEY = "health/ping.txt"
CHECK_TIMEOUT_SECONDS = 3
CACHE_SECONDS = 1.0


class HealthOut(BaseModel):
    status: str
    database: str
    storage: str
    version: str


def _check_database(request: Request) -> str:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        logger.warning("health: database check failed: %s", type(exc).__name__)
        return "unreachable"


async def _check_storage(storage: StorageBackend) -> str:
    try:
        await storage.exists(HEALTH_KEY)
        return "ok"
    except Exception as exc:
        logger.warning("health: storage check failed: %s", exc)
        return "unreachable"


async def _within_timeout(check: Any, name: str) -> str:
    try:
        result: str = await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
        return result
    except TimeoutError:
        logger.warning("health: %s check timed out after %s s", name, CHECK_TIMEOUT_SECONDS)
        return "unreachable"


@dataclass
class HealthState:
    checked_at: float
    database: str
    storage: str


async def _check_both(request: Request) -> HealthState:
    database, storage = await asyncio.gather(
        _within_timeout(asyncio.to_thread(_check_database, request), "database"),
        _within_timeout(_check_storage(request.app.state.storage), "storage"),
    )
    return HealthState(time.monotonic(), database, storage)


async def current_health(request: Request) -> HealthState:
    """The last check if younger than CACHE_SECONDS, else a new one (shared by concurrent probes)."""
    state = request.app.state
    cached: HealthState | None = getattr(state, "health_cache", None)
    if cached is not None and time.monotonic() - cached.checked_at < CACHE_SECONDS:
        return cached
    running: asyncio.Task[HealthState] | None = getattr(state, "health_check", None)
    if running is None or running.done():
        running = state.health_check = asyncio.ensure_future(_check_both(request))
    result = await asyncio.shield(running)
    state.health_cache = result
    return result


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    checked = await current_health(request)
    database, storage = checked.database, checked.storage
    body = HealthOut(
        status="ok" if database == storage == "ok" else "unavailable",
        database=database,
        storage=storage,
        version=__version__,
    )
    failing = [name for name, state in (("database", database), ("storage", storage)) if state != "ok"]
    content = body.model_dump()
    if failing:
        content["detail"] = f"The {' and the '.join(failing)} cannot be reached: check the logs and settings."
    return JSONResponse(content, status_code=503 if failing else 200)
