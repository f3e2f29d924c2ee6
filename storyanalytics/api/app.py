"""The app factory: `create_app(settings)` for tests; `uvicorn storyanalytics.api.app:app` reads env."""

from __future__ import annotations

import gc
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from storyanalytics import __version__
from storyanalytics.api.bootstrap import bootstrap
from storyanalytics.api.deadline import RequestDeadlineMiddleware
from storyanalytics.api.errors import install_error_handlers
from storyanalytics.api.limits import BodyGuardMiddleware, BodyLimits
from storyanalytics.api.responses import (
    INVALID_REQUEST,
    NOT_FOUND,
    NOT_SIGNED_IN,
    error_responses,
)
from storyanalytics.api.security import HeadAsGetMiddleware, SecurityHeadersMiddleware
from storyanalytics.api.session_slots import (
    MAX_CONCURRENT_SESSIONS,
    SessionFreeStorage,
    SessionSlots,
    track_writes,
)
from storyanalytics.api.spa import find_web_dist
from storyanalytics.config import ConfigError, Settings, StorageKind, load_settings
from storyanalytics.db import make_engine, make_session_factory, upgrade
from storyanalytics.publish import edge_from_settings
from storyanalytics.storage import StorageBackend, get_storage
from storyanalytics.storage.breaker import StorageBreaker
from storyanalytics.storage.timeouts import REQUEST_TIMEOUTS

logger = logging.getLogger("storyanalytics.api")

ERROR_RESPONSES = error_responses(NOT_SIGNED_IN, NOT_FOUND, INVALID_REQUEST)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Engine, schema upgrade (advisory lock on Postgres), first accounts; all kept on app.state."""
    settings: Settings = app.state.settings
    engine = make_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    upgrade(engine)
    session_factory = make_session_factory(engine)
    with session_factory() as session:
        app.state.local_user_id = bootstrap(session, settings)
    track_writes(session_factory)
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.session_slots = SessionSlots(MAX_CONCURRENT_SESSIONS)
    app.state.storage = request_storage(settings)
    app.state.edge = edge_from_settings(settings, find_web_dist(settings), REQUEST_TIMEOUTS)
    if app.state.resume_gc_after_start:  # paused by storyanalytics.asgi for the start (see there)
        gc.freeze()
        gc.enable()
    try:
        yield
    finally:
        engine.dispose()


def request_storage(settings: Settings) -> StorageBackend:
    """Storage as requests use it: short S3 timeouts, a circuit breaker in front of S3 (it fails calls at
    once while S3 is away), and no database slot held while a call waits."""
    storage = get_storage(settings, REQUEST_TIMEOUTS)
    if settings.storage_backend is StorageKind.s3:
        storage = StorageBreaker(storage)
    return SessionFreeStorage(storage)


def body_limits(settings: Settings) -> BodyLimits:
    return BodyLimits(
        max_json_bytes=settings.max_json_kb * 1024,
        max_file_bytes=settings.max_upload_bytes,
        idle_seconds=settings.body_idle_seconds,
        total_seconds=settings.body_timeout_seconds,
    )


def configure_csv(settings: Settings) -> None:
    """The CSV engine's memory and the parsed cache's bytes, per process (the engine opens on first use)."""
    from storyanalytics.api.services import csvengine
    from storyanalytics.api.services.csvdata import parsed_cache

    csvengine.configure(settings.csv_engine_memory_mb)
    parsed_cache.resize(settings.parsed_cache_mb * 1024 * 1024)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="Story Analytics",
        version=__version__,
        description="Charts, dashboards and embeds: the API behind the web app.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    if settings.jwt_secret:
        app.state.jwt_secret = settings.jwt_secret
    else:
        # Local mode with AUTH_ENABLED=true and no secret: tokens last until the app restarts.
        app.state.jwt_secret = secrets.token_urlsafe(48)
    app.state.local_user_id = None
    app.state.resume_gc_after_start = False
    configure_csv(settings)
    install_error_handlers(app)
    # Innermost first: the deadline covers the app's work, not the body, which has its own timeouts.
    from storyanalytics.api.routers.charts import ChartReadFastPath

    app.add_middleware(ChartReadFastPath)
    app.add_middleware(RequestDeadlineMiddleware, seconds=settings.request_timeout_seconds)
    app.add_middleware(BodyGuardMiddleware, limits=body_limits(settings))
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.is_cloud)
    from storyanalytics.api.routers.public import PublicChartFastPath

    app.add_middleware(PublicChartFastPath)  # outside the others: it adds the security headers itself
    app.add_middleware(HeadAsGetMiddleware)

    from storyanalytics.api.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router)

    from storyanalytics.api.spa import install_spa

    install_spa(app, settings)
    return app


def app_from_environment(*, resume_gc_after_start: bool = False) -> FastAPI:
    """The app the environment describes; a bad setting exits with its one-sentence message."""
    try:
        app = create_app()
    except ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app.state.resume_gc_after_start = resume_gc_after_start
    return app


_app: FastAPI | None = None


def __getattr__(name: str) -> Any:
    """`storyanalytics.api.app:app` is built from the environment on first use, not on import."""
    global _app
    if name == "app":
        if _app is None:
            _app = app_from_environment()
        return _app
    raise AttributeError(name)
