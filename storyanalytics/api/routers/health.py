"""GET /api/health: what a load balancer probes; 503 names the part that is down."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from storyanalytics import __version__
from storyanalytics.storage import StorageBackend

router = APIRouter(prefix="/api", tags=["health"])
logger = logging.getLogger("storyanalytics.api")

HEALTH_KEY = "health/ping.txt"


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


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
async def health(request: Request) -> JSONResponse:
    database, storage = await asyncio.gather(
        asyncio.to_thread(_check_database, request), _check_storage(request.app.state.storage)
    )
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
