"""FastAPI dependencies as Annotated aliases: `session: SessionDep`, `user: CurrentUser`, ...

They are `async def` even when they do no I/O: FastAPI runs plain `def` dependencies in a thread pool,
which costs more than the lookup itself on every request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storyanalytics.api.errors import ApiError
from storyanalytics.api.security import decode_access_token
from storyanalytics.api.session_slots import CURRENT_LEASE, SessionLease, SessionSlots
from storyanalytics.config import Settings
from storyanalytics.db.models import User
from storyanalytics.publish.edge import Edge
from storyanalytics.storage import StorageBackend


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, holding a slot only while it works (see session_slots.py)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    slots: SessionSlots = request.app.state.session_slots
    await slots.acquire()
    lease: SessionLease | None = None
    try:
        with factory() as session:
            lease = SessionLease(slots, session)
            CURRENT_LEASE.set(lease)
            yield session
    finally:
        CURRENT_LEASE.set(None)
        if lease is None or lease.held:
            slots.release()


async def get_storage(request: Request) -> StorageBackend:
    storage: StorageBackend = request.app.state.storage
    return storage


async def get_edge(request: Request) -> Edge | None:
    """The CDN copy of published items (cloud mode), or None when the app serves them itself."""
    edge: Edge | None = getattr(request.app.state, "edge", None)
    return edge


SettingsDep = Annotated[Settings, Depends(get_settings)]
EdgeDep = Annotated[Edge | None, Depends(get_edge)]
SessionDep = Annotated[Session, Depends(get_session)]
StorageDep = Annotated[StorageBackend, Depends(get_storage)]

_bearer = HTTPBearer(auto_error=False, description="The access token from POST /api/auth/login.")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, UNAUTHORIZED_HEADERS)


LOCAL_USER_MISSING = "The local user is missing: restart the app to recreate it."
ACCOUNT_GONE = "This account is disabled or no longer exists: ask an admin."
PASSWORD_CHANGED = "The password was changed since this token was issued: sign in again."


def token_user_id(request: Request, credentials: HTTPAuthorizationCredentials | None) -> tuple[str, int]:
    """(user id, token version) in the request's access token; 401 without a valid one. No database."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized(
            "Sign in first: send 'Authorization: Bearer <access token>' from POST /api/auth/login."
        )
    decoded = decode_access_token(request.app.state.jwt_secret, credentials.credentials)
    if decoded is None:
        raise unauthorized("Your access token is invalid or expired: refresh it with POST /api/auth/refresh.")
    return decoded


async def request_user_id(request: Request) -> tuple[str, int | None, ApiError]:
    """(user id, the token version the row must have or None, the error when the row is gone), no database.

    For routes that check the user in their own query instead of through `CurrentUser`.
    """
    settings: Settings = request.app.state.settings
    if not settings.auth_required:
        return request.app.state.local_user_id, None, ApiError(503, LOCAL_USER_MISSING)
    user_id, version = token_user_id(request, await _bearer(request))
    return user_id, version, unauthorized(ACCOUNT_GONE)


async def get_current_user(request: Request, session: SessionDep, credentials: BearerDep) -> User:
    """The signed-in user; in local mode with auth off, the implicit local user."""
    settings: Settings = request.app.state.settings
    if not settings.auth_required:
        user = session.get(User, request.app.state.local_user_id)
        if user is None:
            raise ApiError(503, LOCAL_USER_MISSING)
        return user
    user_id, version = token_user_id(request, credentials)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise unauthorized(ACCOUNT_GONE)
    if user.token_version != version:
        raise unauthorized(PASSWORD_CHANGED)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise ApiError(403, "Only admins can do this: ask an admin of this Story Analytics.")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]
