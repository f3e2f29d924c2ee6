"""Users as the API shows them, and the few rules about accounts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyanalytics.api.schemas import TeamRef, UserOut
from storyanalytics.db.models import Membership, Team, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _check_email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("an email address looks like name@example.org")
    return value


Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_check_email)]
Password = Annotated[
    str, Field(min_length=12, max_length=256, description="At least 12 characters, not a common password")
]
DisplayName = Annotated[str, Field(max_length=200)]


def user_out(session: Session, user: User) -> UserOut:
    rows = session.execute(
        select(Team.id, Team.name, Membership.role)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Team.name)
    )
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        is_admin=user.is_admin,
        is_active=user.is_active,
        teams=[TeamRef(id=team_id, name=name, role=role) for team_id, name, role in rows],
    )


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))
