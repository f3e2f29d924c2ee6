"""First-start accounts: the implicit local user (local mode) or the admin from ADMIN_EMAIL/ADMIN_PASSWORD."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storyanalytics.api.security import hash_password
from storyanalytics.config import ConfigError, Settings
from storyanalytics.db.models import Membership, Team, TeamRole, User
from storyanalytics.password_policy import PasswordRejected, check_password

logger = logging.getLogger("storyanalytics.api")

LOCAL_USER_EMAIL = "local@localhost"
DEFAULT_TEAM_NAME = "My team"


def create_user_with_team(
    session: Session,
    email: str,
    password: str | None,
    *,
    display_name: str = "",
    is_admin: bool = False,
    team_name: str = DEFAULT_TEAM_NAME,
) -> User:
    """A user plus a team of their own, which they own, so they can start making charts at once."""
    user = User(
        email=email.strip().lower(),
        display_name=display_name or email.split("@")[0],
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
        is_active=True,
    )
    team = Team(name=team_name)
    session.add_all([user, team])
    session.flush()
    session.add(Membership(team_id=team.id, user_id=user.id, role=TeamRole.owner.value))
    session.flush()
    return user


def ensure_local_user(session: Session) -> str:
    """The implicit local user (admin, owner of "My team"); created once, its id returned."""
    user = session.scalar(select(User).where(User.email == LOCAL_USER_EMAIL))
    if user is None:
        try:
            user = create_user_with_team(
                session, LOCAL_USER_EMAIL, None, display_name="Local user", is_admin=True
            )
            session.commit()
        except IntegrityError:
            session.rollback()
            user = session.scalars(select(User).where(User.email == LOCAL_USER_EMAIL)).one()
    return user.id


def ensure_admin(session: Session, settings: Settings) -> str | None:
    """With an empty user table, create the admin from ADMIN_EMAIL + ADMIN_PASSWORD."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    if not (settings.admin_email and settings.admin_password):
        logger.warning(
            "No users yet and ADMIN_EMAIL/ADMIN_PASSWORD are not set: "
            "set both and restart to create the admin."
        )
        return None
    try:
        check_password(settings.admin_password, settings.admin_email)
    except PasswordRejected as exc:
        raise ConfigError(f"ADMIN_PASSWORD is not accepted: {exc}") from None
    try:
        user = create_user_with_team(
            session, settings.admin_email, settings.admin_password, display_name="Admin", is_admin=True
        )
        session.commit()
    except IntegrityError:  # another instance starting at the same moment created it first
        session.rollback()
        return None
    logger.info("Created the admin account %s.", user.email)
    return user.id


def bootstrap(session: Session, settings: Settings) -> str | None:
    """Run at start-up; returns the local user's id when auth is off."""
    if settings.auth_required:
        ensure_admin(session, settings)
        return None
    return ensure_local_user(session)
