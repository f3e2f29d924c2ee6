"""/api/folders: nested folders per team. Charts and dashboards move by setting their folder_id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select

from storyanalytics.api.deps import CurrentUser, SessionDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.services.access import (
    check_folder_in_team,
    get_team_item_or_404,
    get_team_or_404,
    team_for_new_item,
    team_ids_of,
)
from storyanalytics.db.models import Folder

router = APIRouter(prefix="/api/folders", tags=["folders"], route_class=LazyAPIRoute)

FolderName = Annotated[str, Field(min_length=1, max_length=200)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
MAX_DEPTH = 64


class FolderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    team_id: str
    parent_id: str | None
    name: str
    created_at: datetime
    updated_at: datetime


class FolderCreate(BaseModel):
    name: FolderName
    parent_id: Id | None = None
    team_id: Id | None = None


class FolderUpdate(BaseModel):
    name: FolderName | None = None
    parent_id: Id | None = Field(default=None, description="The new parent; null moves it to the top level")


def _depth_above(session: SessionDep, folder_id: str | None, moving: str | None = None) -> int:
    """How many folders sit above a child of `folder_id`; 422 if `moving` is among them (a cycle)."""
    depth = 0
    current = folder_id
    while current is not None:
        if current == moving:
            raise ApiError(422, "A folder cannot move into itself or one of its own subfolders.")
        depth += 1
        if depth > MAX_DEPTH:
            raise ApiError(422, f"Folders nest at most {MAX_DEPTH} levels deep: pick a higher parent.")
        current = session.scalar(select(Folder.parent_id).where(Folder.id == current))
    return depth


@router.get("", response_model=list[FolderOut])
async def list_folders(
    session: SessionDep, user: CurrentUser, team_id: Annotated[str | None, Query(max_length=64)] = None
) -> list[FolderOut]:
    teams = [get_team_or_404(session, user, team_id)[0].id] if team_id else team_ids_of(session, user)
    folders = session.scalars(
        select(Folder).where(Folder.team_id.in_(teams)).order_by(Folder.name, Folder.id)
    )
    return [FolderOut.model_validate(folder) for folder in folders]


@router.post("", response_model=FolderOut, status_code=status.HTTP_201_CREATED)
async def create_folder(body: FolderCreate, session: SessionDep, user: CurrentUser) -> FolderOut:
    team_id = team_for_new_item(session, user, body.team_id, body.parent_id)
    parent_id = check_folder_in_team(session, body.parent_id, team_id)
    _depth_above(session, parent_id)
    folder = Folder(team_id=team_id, parent_id=parent_id, name=body.name)
    session.add(folder)
    session.commit()
    return FolderOut.model_validate(folder)


@router.get("/{folder_id}", response_model=FolderOut)
async def get_folder(folder_id: str, session: SessionDep, user: CurrentUser) -> FolderOut:
    return FolderOut.model_validate(get_team_item_or_404(session, user, Folder, folder_id, "folder"))


@router.patch("/{folder_id}", response_model=FolderOut)
async def update_folder(
    folder_id: str, body: FolderUpdate, session: SessionDep, user: CurrentUser
) -> FolderOut:
    """Rename, or move under another folder of the same team (never under itself)."""
    folder = get_team_item_or_404(session, user, Folder, folder_id, "folder")
    if body.name is not None:
        folder.name = body.name
    if "parent_id" in body.model_fields_set:
        parent_id = check_folder_in_team(session, body.parent_id, folder.team_id)
        _depth_above(session, parent_id, moving=folder.id)
        folder.parent_id = parent_id
    session.commit()
    return FolderOut.model_validate(folder)


@router.delete("/{folder_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_folder(folder_id: str, session: SessionDep, user: CurrentUser) -> Response:
    """Delete the folder and its subfolders; the charts and dashboards in them move to the top level."""
    folder = get_team_item_or_404(session, user, Folder, folder_id, "folder")
    session.execute(delete(Folder).where(Folder.id == folder.id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
