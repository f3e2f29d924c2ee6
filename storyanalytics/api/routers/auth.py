"""/api/auth: short-lived access tokens (JWT) and a rotating refresh token in an HttpOnly cookie.

Refresh tokens are stored only as SHA-256 hashes. Each refresh revokes the token it used; presenting a
revoked token again means it was stolen or replayed, so all of that user's refresh tokens are revoked.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import update

from storyanalytics.api.deps import CurrentUser, SessionDep, SettingsDep, unauthorized
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.schemas import UserOut
from storyanalytics.api.security import (
    REFRESH_COOKIE,
    REFRESH_COOKIE_PATH,
    dummy_password_hash,
    hash_refresh_token,
    make_access_token,
    new_refresh_token,
    verify_password,
)
from storyanalytics.api.services.login_throttle import (
    check_allowed,
    client_address,
    record_failure,
    record_success,
)
from storyanalytics.api.services.users import find_user_by_email, user_out
from storyanalytics.config import Settings
from storyanalytics.db.models import RefreshToken, User
from storyanalytics.db.types import utcnow

router = APIRouter(prefix="/api/auth", tags=["auth"], route_class=LazyAPIRoute)

# Argon2 verifications at once per task: a login flood queues here instead of taking every core.
ARGON2_CONCURRENCY = 2


def argon2_slots(request: Request) -> asyncio.Semaphore:
    slots: asyncio.Semaphore | None = getattr(request.app.state, "argon2_slots", None)
    if slots is None:
        slots = request.app.state.argon2_slots = asyncio.Semaphore(ARGON2_CONCURRENCY)
    return slots


class LoginIn(BaseModel):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: UserOut


def revoke_all_refresh_tokens(session: SessionDep, user_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _issue(
    request: Request, response: Response, session: SessionDep, settings: Settings, user: User
) -> TokenOut:
    """A new access token, plus a new refresh token stored hashed and sent as the cookie."""
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_refresh_token(refresh),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    session.commit()
    response.set_cookie(
        REFRESH_COOKIE,
        refresh,
        max_age=settings.refresh_token_days * 86400,
        path=REFRESH_COOKIE_PATH,
        httponly=True,
        secure=True,
        samesite="strict",
    )
    access, expires_in = make_access_token(
        request.app.state.jwt_secret, user.id, settings.access_token_minutes, user.token_version
    )
    return TokenOut(access_token=access, expires_in=expires_in, user=user_out(session, user))


@router.post("/login", response_model=TokenOut)
async def login(
    body: LoginIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> TokenOut:
    email = body.email.strip().lower()
    address = client_address(request, settings.trusted_proxy_list)
    check_allowed(session, email, address)
    user = find_user_by_email(session, email)
    stored = user.password_hash if user else dummy_password_hash()
    session.rollback()  # no connection held while hashing
    async with argon2_slots(request):
        valid = await asyncio.to_thread(verify_password, stored, body.password)
    if user is None or not valid:
        record_failure(session, email, address)
        raise unauthorized("Wrong email or password: check both and try again.")
    record_success(session, email)
    if not user.is_active:
        raise unauthorized("This account is disabled: ask an admin to enable it.")
    return _issue(request, response, session, settings, user)


@router.post("/refresh", response_model=TokenOut)
async def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    sa_refresh: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> TokenOut:
    if not sa_refresh:
        raise unauthorized("No refresh token: sign in again.")
    token = session.query(RefreshToken).filter_by(token_hash=hash_refresh_token(sa_refresh)).one_or_none()
    if token is None:
        raise unauthorized("This refresh token is not valid: sign in again.")
    now = utcnow()
    # Revoke it atomically: of two requests racing with one token, only one gets a new pair.
    revoked = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if getattr(revoked, "rowcount", 0) != 1:
        revoke_all_refresh_tokens(session, token.user_id)
        session.commit()
        response.delete_cookie(REFRESH_COOKIE, path=REFRESH_COOKIE_PATH)
        raise unauthorized(
            "This refresh token was already used, so all sessions were signed out: sign in again."
        )
    session.commit()
    if token.expires_at <= now:
        raise unauthorized("Your session expired: sign in again.")
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise unauthorized("This account is disabled or no longer exists: ask an admin.")
    return _issue(request, response, session, settings, user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    session: SessionDep, sa_refresh: Annotated[str | None, Cookie(include_in_schema=False)] = None
) -> Response:
    """Revoke the refresh token in the cookie (if any) and clear the cookie."""
    if sa_refresh:
        session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == hash_refresh_token(sa_refresh), RefreshToken.revoked_at.is_(None)
            )
            .values(revoked_at=utcnow())
        )
        session.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )
    return response


@router.get("/me", response_model=UserOut)
async def me(session: SessionDep, user: CurrentUser) -> UserOut:
    return user_out(session, user)
