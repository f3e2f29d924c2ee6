"""/api/teams: teams, their members and roles (owner / admin / member), and the embed allowlist."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import func, select

from storyanalytics.api.deps import CurrentUser, EdgeDep, SessionDep
from storyanalytics.api.errors import ApiError, not_found
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import LAST_OWNER, TEAM_MANAGERS_ONLY, error_responses
from storyanalytics.api.services.access import get_team_or_404, require_manager
from storyanalytics.api.services.published import reframe_team_on_edge
from storyanalytics.api.services.users import Email, find_user_by_email
from storyanalytics.db.models import Membership, Team, TeamRole, User
from storyanalytics.publish.layout import MAX_FRAME_ANCESTORS_CHARS

router = APIRouter(prefix="/api/teams", tags=["teams"], route_class=LazyAPIRoute)

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https?://\*\.[A-Za-z0-9.-]+$")


def _check_origins(origins: list[str] | None) -> list[str] | None:
    if origins is None:
        return None
    cleaned = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if not _ORIGIN.match(origin):
            raise ValueError(f"{origin!r} is not an origin: use e.g. https://example.org (no path)")
        cleaned.append(origin)
    if len(" ".join(cleaned)) > MAX_FRAME_ANCESTORS_CHARS:
        raise ValueError(
            f"together the origins may be at most {MAX_FRAME_ANCESTORS_CHARS} characters (published charts "
            "carry them to the CDN): list fewer sites, or use a wildcard such as https://*.example.org"
        )
    return cleaned


TeamName = Annotated[str, Field(min_length=1, max_length=200)]
Origins = Annotated[list[str] | None, Field(max_length=50), AfterValidator(_check_origins)]


class TeamOut(BaseModel):
    id: str
    name: str
    role: str
    embed_origins: list[str] | None


class MemberOut(BaseModel):
    user_id: str
    email: str
    display_name: str
    role: TeamRole


class TeamDetail(TeamOut):
    members: list[MemberOut]


class TeamCreate(BaseModel):
    name: TeamName


class TeamUpdate(BaseModel):
    name: TeamName | None = None
    embed_origins: Origins = Field(default=None, description="Sites that may embed; empty = any site")


class MemberAdd(BaseModel):
    email: Email
    role: TeamRole = TeamRole.member


class MemberUpdate(BaseModel):
    role: TeamRole


def _detail(session: SessionDep, team: Team, role: str) -> TeamDetail:
    rows = session.execute(
        select(User.id, User.email, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == team.id)
        .order_by(Membership.created_at, User.email)
    )
    members = [MemberOut(user_id=u, email=e, display_name=d, role=TeamRole(r)) for u, e, d, r in rows]
    return TeamDetail(
        id=team.id, name=team.name, role=role, embed_origins=team.embed_origins, members=members
    )


def _owners(session: SessionDep, team_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.team_id == team_id, Membership.role == TeamRole.owner.value)
        )
        or 0
    )


@router.get("", response_model=list[TeamOut])
async def list_teams(session: SessionDep, user: CurrentUser) -> list[TeamOut]:
    rows = session.execute(
        select(Team, Membership.role)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Team.name)
    )
    return [TeamOut(id=t.id, name=t.name, role=role, embed_origins=t.embed_origins) for t, role in rows]


@router.post("", response_model=TeamDetail, status_code=status.HTTP_201_CREATED)
async def create_team(body: TeamCreate, session: SessionDep, user: CurrentUser) -> TeamDetail:
    """A new team; you are its owner."""
    team = Team(name=body.name.strip() or body.name)
    session.add(team)
    session.flush()
    session.add(Membership(team_id=team.id, user_id=user.id, role=TeamRole.owner.value))
    session.commit()
    return _detail(session, team, TeamRole.owner.value)


@router.get("/{team_id}", response_model=TeamDetail)
async def get_team(team_id: str, session: SessionDep, user: CurrentUser) -> TeamDetail:
    team, role = get_team_or_404(session, user, team_id)
    return _detail(session, team, role)


@router.patch("/{team_id}", response_model=TeamDetail, responses=error_responses(TEAM_MANAGERS_ONLY))
async def update_team(
    team_id: str, body: TeamUpdate, session: SessionDep, edge: EdgeDep, user: CurrentUser
) -> TeamDetail:
    team = require_manager(session, user, team_id)
    if body.name is not None:
        team.name = body.name
    origins_changed = "embed_origins" in body.model_fields_set
    if origins_changed:
        team.embed_origins = body.embed_origins or None
    session.commit()
    if origins_changed:
        await reframe_team_on_edge(session, edge, team_id)
    return _detail(session, team, get_team_or_404(session, user, team_id)[1])


def _check_owner_change(
    session: SessionDep, user: User, team_id: str, old: str | None, new: str | None
) -> None:
    """Only owners make or unmake owners, and a team always keeps at least one owner."""
    touches_owner = TeamRole.owner.value in (old, new)
    if touches_owner and get_team_or_404(session, user, team_id)[1] != TeamRole.owner.value:
        raise ApiError(403, "Only an owner of this team can add, change or remove an owner.")
    if old == TeamRole.owner.value and new != TeamRole.owner.value and _owners(session, team_id) <= 1:
        raise ApiError(409, "A team needs at least one owner: make someone else an owner first.")


@router.post(
    "/{team_id}/members",
    response_model=TeamDetail,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(TEAM_MANAGERS_ONLY, (409, "Already in this team")),
)
async def add_member(team_id: str, body: MemberAdd, session: SessionDep, user: CurrentUser) -> TeamDetail:
    """Invite an existing user by email (admins create accounts in /api/users)."""
    team = require_manager(session, user, team_id)
    invitee = find_user_by_email(session, body.email)
    if invitee is None or not invitee.is_active:
        raise ApiError(
            404, f"No active user with email {body.email}: ask an admin to create the account first."
        )
    if session.get(Membership, (team_id, invitee.id)) is not None:
        raise ApiError(409, f"{body.email} is already in this team: change their role instead.")
    _check_owner_change(session, user, team_id, None, body.role.value)
    session.add(Membership(team_id=team_id, user_id=invitee.id, role=body.role.value))
    session.commit()
    return _detail(session, team, get_team_or_404(session, user, team_id)[1])


@router.patch(
    "/{team_id}/members/{user_id}",
    response_model=TeamDetail,
    responses=error_responses(TEAM_MANAGERS_ONLY, LAST_OWNER),
)
async def update_member(
    team_id: str, user_id: str, body: MemberUpdate, session: SessionDep, user: CurrentUser
) -> TeamDetail:
    team = require_manager(session, user, team_id)
    membership = session.get(Membership, (team_id, user_id))
    if membership is None:
        raise not_found("member")
    _check_owner_change(session, user, team_id, membership.role, body.role.value)
    membership.role = body.role.value
    session.commit()
    return _detail(session, team, get_team_or_404(session, user, team_id)[1])


@router.delete(
    "/{team_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(TEAM_MANAGERS_ONLY, LAST_OWNER),
)
async def remove_member(team_id: str, user_id: str, session: SessionDep, user: CurrentUser) -> Response:
    """Owners and admins remove members; anyone may leave a team."""
    if user_id == user.id:
        get_team_or_404(session, user, team_id)
    else:
        require_manager(session, user, team_id)
    membership = session.get(Membership, (team_id, user_id))
    if membership is None:
        raise not_found("member")
    _check_owner_change(session, user, team_id, membership.role, None)
    session.delete(membership)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
