"""/api/users: admins create, list and disable accounts; everyone changes their own password."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import func, select

from storyanalytics.api.bootstrap import create_user_with_team
from storyanalytics.api.deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from storyanalytics.api.errors import ApiError, not_found
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import ADMINS_ONLY, error_responses
from storyanalytics.api.routers.auth import revoke_all_refresh_tokens
from storyanalytics.api.schemas import UserOut
from storyanalytics.api.security import hash_password, verify_password
from storyanalytics.api.services.users import DisplayName, Email, Password, find_user_by_email, user_out
from storyanalytics.db.models import User
from storyanalytics.password_policy import PasswordRejected, check_password

router = APIRouter(prefix="/api/users", tags=["users"], route_class=LazyAPIRoute)


def enforce_policy(password: str, email: str) -> None:
    try:
        check_password(password, email)
    except PasswordRejected as exc:
        raise ApiError(422, str(exc)) from None


class UserCreate(BaseModel):
    email: Email
    password: Password
    display_name: DisplayName = ""
    is_admin: bool = False


class UserUpdate(BaseModel):
    is_active: bool | None = None
    is_admin: bool | None = None
    display_name: DisplayName | None = None


class PasswordChange(BaseModel):
    current_password: str
    new_password: Password


@router.get("", response_model=list[UserOut], responses=error_responses(ADMINS_ONLY))
async def list_users(session: SessionDep, admin: AdminUser) -> list[UserOut]:
    users = session.scalars(select(User).order_by(User.created_at, User.email))
    return [user_out(session, user) for user in users]


@router.post(
    "",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(ADMINS_ONLY, (409, "Email already in use")),
)
async def create_user(body: UserCreate, session: SessionDep, admin: AdminUser) -> UserOut:
    """A new account with a team of its own ("My team"); add it to other teams via /api/teams."""
    if find_user_by_email(session, body.email) is not None:
        raise ApiError(409, f"A user with email {body.email} already exists: pick another email.")
    enforce_policy(body.password, body.email)
    password_hash = await asyncio.to_thread(hash_password, body.password)
    user = create_user_with_team(
        session, body.email, None, display_name=body.display_name, is_admin=body.is_admin
    )
    user.password_hash = password_hash
    session.commit()
    return user_out(session, user)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses((403, "Current password wrong")),
)
async def change_password(
    body: PasswordChange, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Change your own password; every session, this one included, must sign in again."""
    if user.password_hash is not None or settings.auth_required:
        valid = await asyncio.to_thread(verify_password, user.password_hash, body.current_password)
        if not valid:
            raise ApiError(403, "The current password is wrong: type it again.")
    enforce_policy(body.new_password, user.email)
    user.password_hash = await asyncio.to_thread(hash_password, body.new_password)
    user.token_version += 1  # every access token issued before stops working at once
    revoke_all_refresh_tokens(session, user.id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _active_admins(session: SessionDep) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(User).where(User.is_admin.is_(True), User.is_active.is_(True))
        )
        or 0
    )


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    responses=error_responses(ADMINS_ONLY, (409, "The last active admin")),
)
async def update_user(user_id: str, body: UserUpdate, session: SessionDep, admin: AdminUser) -> UserOut:
    """Enable or disable an account, grant or remove admin; the last active admin always stays."""
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user")
    losing_admin = user.is_admin and user.is_active and (body.is_active is False or body.is_admin is False)
    if losing_admin and _active_admins(session) <= 1:
        raise ApiError(409, "This is the last active admin: make someone else an admin first.")
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.is_admin is not None:
        user.is_admin = body.is_admin
    if body.is_active is not None:
        user.is_active = body.is_active
        if not body.is_active:
            revoke_all_refresh_tokens(session, user.id)
    session.commit()
    return user_out(session, user)
