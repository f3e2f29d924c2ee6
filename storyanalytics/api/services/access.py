"""Team-scoped access: every item belongs to a team, and other teams' items answer 404 so ids don't leak."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyanalytics.api.errors import ApiError, not_found
from storyanalytics.db.models import Membership, Team, TeamRole, User

MANAGER_ROLES = frozenset({TeamRole.owner.value, TeamRole.admin.value})


class TeamOwned(Protocol):
    id: Any
    team_id: Any


T = TypeVar("T")


def team_ids_of(session: Session, user: User) -> list[str]:
    rows = session.execute(
        select(Membership.team_id).where(Membership.user_id == user.id).order_by(Membership.created_at)
    )
    return [row[0] for row in rows]


def role_in_team(session: Session, user: User, team_id: str) -> str | None:
    return session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.team_id == team_id)
    )


def resolve_team_id(session: Session, user: User, team_id: str | None) -> str:
    """The team a new item goes to: the one asked for (if the user is in it) or the user's first team."""
    if team_id is not None:
        if role_in_team(session, user, team_id) is None:
            raise not_found("team")
        return team_id
    teams = team_ids_of(session, user)
    if not teams:
        raise ApiError(409, "You are not in any team yet: create a team first (POST /api/teams).")
    return teams[0]


def teams_in_scope(session: Session, user: User, team_id: str | None) -> list[str]:
    """The teams a listing covers: the one asked for (404 unless the user is in it) or all the user's."""
    if team_id is None:
        return team_ids_of(session, user)
    if role_in_team(session, user, team_id) is None:
        raise not_found("team")
    return [team_id]


def team_for_new_item(session: Session, user: User, team_id: str | None, folder_id: str | None) -> str:
    """The team of a new item: the one asked for, else its folder's, else the user's first team."""
    if team_id is None and folder_id is not None:
        from storyanalytics.db.models import Folder

        folder = session.get(Folder, folder_id)
        team_id = folder.team_id if folder is not None else None
    return resolve_team_id(session, user, team_id)


def get_team_item_or_404(session: Session, user: User, model: type[T], item_id: str, what: str = "") -> T:
    """Load `model` by id if it belongs to one of the user's teams; otherwise 404, never 403."""
    item = session.get(model, item_id)
    if item is None or role_in_team(session, user, item.team_id) is None:  # type: ignore[attr-defined]
        raise not_found(what or model.__name__.lower())
    return item


def get_team_or_404(session: Session, user: User, team_id: str) -> tuple[Team, str]:
    """The team and the user's role in it; 404 when the user is not a member."""
    role = role_in_team(session, user, team_id)
    team = session.get(Team, team_id) if role else None
    if team is None or role is None:
        raise not_found("team")
    return team, role


def require_manager(session: Session, user: User, team_id: str) -> Team:
    """Only a team's owners and admins manage its members and settings."""
    team, role = get_team_or_404(session, user, team_id)
    if role not in MANAGER_ROLES:
        raise ApiError(403, "Only this team's owners and admins can do this: ask one of them.")
    return team


def check_folder_in_team(session: Session, folder_id: str | None, team_id: str) -> str | None:
    """A folder id that may hold an item of `team_id` (None = the team's top level); 404 otherwise."""
    if folder_id is None:
        return None
    from storyanalytics.db.models import Folder

    folder = session.get(Folder, folder_id)
    if folder is None or folder.team_id != team_id:
        raise not_found("folder")
    return folder_id
