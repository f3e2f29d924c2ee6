"""Accounts after a migration: let a cloud account see what the implicit local user owned.

On a laptop everything belongs to one implicit local user with no password; in the cloud people sign
in, so the migrated teams need a member who can. `grant_admin_access` makes a cloud account (usually
the stack's ADMIN_EMAIL admin) an owner of every team the migrated local user belongs to.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from storyanalytics.db import make_engine, make_session_factory, redact_url
from storyanalytics.db.models import Membership, TeamRole, User
from storyanalytics.migrate.errors import MigrationError


def local_user_email() -> str:
    """The implicit local user's email, as the app creates it in local mode."""
    from storyanalytics.api.bootstrap import LOCAL_USER_EMAIL

    return LOCAL_USER_EMAIL


def normalise_email(email: str | None) -> str:
    """The email as accounts store it; refuses what cannot be an account's email."""
    value = (email or "").strip().lower()
    if "@" not in value or value.startswith("@") or value.endswith("@") or any(c.isspace() for c in value):
        raise MigrationError(
            f"{email!r} is not an email address: pass the cloud account to share with, e.g. you@example.org"
        )
    return value


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email))


def has_account(database_url: str, email: str) -> bool:
    """Whether the database has an account with this email (False when it has no users table yet)."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return _user(session, normalise_email(email)) is not None
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def grant_admin_access(database_url: str, admin_email: str) -> list[str]:
    """Make `admin_email` an owner of every team the migrated local user belongs to.

    Returns the ids of the teams where it became owner (added, or raised from member/admin); an empty
    list when it already owned them all, so running it again changes nothing.
    """
    email = normalise_email(admin_email)
    local_email = local_user_email()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            admin = _user(session, email)
            if admin is None:
                raise MigrationError(
                    f"there is no account {email} in the cloud database: sign in to the deployed app with "
                    "it once (the stack creates its ADMIN_EMAIL account at first start), then share again"
                )
            local = _user(session, local_email)
            if local is None:
                raise MigrationError(
                    f"the cloud database has no migrated local user ({local_email}): migrate the local "
                    "data folder first (story-analytics migrate), then share"
                )
            local_teams = list(
                session.scalars(select(Membership.team_id).where(Membership.user_id == local.id))
            )
            memberships = {
                m.team_id: m
                for m in session.scalars(select(Membership).where(Membership.user_id == admin.id))
            }
            granted = []
            for team_id in local_teams:
                membership = memberships.get(team_id)
                if membership is None:
                    session.add(Membership(team_id=team_id, user_id=admin.id, role=TeamRole.owner.value))
                elif membership.role != TeamRole.owner.value:
                    membership.role = TeamRole.owner.value
                else:
                    continue
                granted.append(team_id)
            session.commit()
    except SQLAlchemyError as exc:
        raise MigrationError(
            f"cannot share the local teams in {redact_url(database_url)} ({type(exc).__name__}): check "
            "that the database is reachable and migrated, then share again"
        ) from None
    finally:
        engine.dispose()
    return granted
