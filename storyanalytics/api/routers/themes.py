"""/api/themes: nine read-only built-ins, then each team's custom themes (built from a built-in)."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from storyanalytics.api.deps import CurrentUser, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import error_responses
from storyanalytics.api.services.access import (
    get_team_item_or_404,
    resolve_team_id,
    teams_in_scope,
)
from storyanalytics.api.services.team_items import add_with_file, delete_with_file
from storyanalytics.api.services.theme_store import dump_definition, load_custom_theme, theme_key
from storyanalytics.api.services.themes import (
    BUILTIN_BY_ID,
    HexColor,
    Theme,
    ThemeColorsPatch,
    ThemeDefinition,
    ThemeError,
    ThemeFontsPatch,
    apply_overrides,
    builtin_themes,
    get_builtin,
    is_builtin,
    parse_overrides,
    require_base,
    theme_from_definition,
)
from storyanalytics.db.models import Theme as ThemeRow
from storyanalytics.db.models import new_id
from storyanalytics.storage import StorageError

router = APIRouter(prefix="/api/themes", tags=["themes"], route_class=LazyAPIRoute)

Name = Annotated[str, Field(min_length=1, max_length=200)]
Palette = Annotated[list[HexColor], Field(min_length=8, max_length=24)]
READ_ONLY = error_responses((403, "Built-in themes are read-only"))


class ThemeCreate(BaseModel):
    name: Name
    base_theme: Annotated[str, Field(min_length=1, max_length=64)] = "default"
    team_id: Annotated[str, Field(max_length=64)] | None = None
    fonts: ThemeFontsPatch | None = None
    colors: ThemeColorsPatch | None = None
    palette: Palette | None = None


class ThemeUpdate(BaseModel):
    name: Name | None = None
    base_theme: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    fonts: ThemeFontsPatch | None = None
    colors: ThemeColorsPatch | None = None
    palette: Palette | None = None


def _definition(base: ThemeDefinition, body: ThemeCreate | ThemeUpdate) -> ThemeDefinition:
    try:
        overrides = parse_overrides(
            body.model_dump(include={"fonts", "colors", "palette"}, exclude_none=True)
        )
        return apply_overrides(base, overrides)
    except ThemeError as exc:
        raise ApiError(422, str(exc)) from None


def _base(base_theme: str) -> Theme:
    try:
        return require_base(base_theme)
    except ThemeError as exc:
        raise ApiError(422, str(exc)) from None


def _read_only(theme_id: str) -> ApiError:
    return ApiError(
        403,
        f"The built-in theme {theme_id!r} is read-only: create a custom theme from it "
        "(POST /api/themes with base_theme) and edit that.",
    )


@router.get("", response_model=list[Theme])
async def list_themes(
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[Theme]:
    """Built-ins first, then the custom themes of the user's teams (or of one team)."""
    teams = teams_in_scope(session, user, team_id)
    rows = session.scalars(
        select(ThemeRow).where(ThemeRow.team_id.in_(teams)).order_by(ThemeRow.name, ThemeRow.id)
    ).all()
    session.commit()  # ends the read transaction (objects stay loaded): none is held across awaits
    return [*builtin_themes(), *[await load_custom_theme(storage, row) for row in rows]]


@router.get("/{theme_id}", response_model=Theme)
async def get_theme(theme_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser) -> Theme:
    builtin = get_builtin(theme_id)
    if builtin is not None:
        return builtin
    row = get_team_item_or_404(session, user, ThemeRow, theme_id, "theme")
    session.commit()
    return await load_custom_theme(storage, row)


@router.post("", response_model=Theme, status_code=status.HTTP_201_CREATED)
async def create_theme(
    body: ThemeCreate, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Theme:
    """A custom theme: the base built-in with the given fonts, colors and palette replaced."""
    team_id = resolve_team_id(session, user, body.team_id)
    definition = _definition(_base(body.base_theme), body)
    row = ThemeRow(
        id=new_id(), team_id=team_id, name=body.name.strip() or "Custom theme", base_theme=body.base_theme
    )
    session.commit()
    await add_with_file(session, storage, row, theme_key(row.id), dump_definition(definition))
    return theme_from_definition(row.id, row.name, row.base_theme, definition)


@router.patch("/{theme_id}", response_model=Theme, responses=READ_ONLY)
async def update_theme(
    theme_id: str, body: ThemeUpdate, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Theme:
    """Change a custom theme; a new base_theme restarts from that built-in before applying the changes."""
    if is_builtin(theme_id):
        raise _read_only(theme_id)
    row = get_team_item_or_404(session, user, ThemeRow, theme_id, "theme")
    saved = await load_custom_theme(storage, row)
    if body.base_theme is not None and body.base_theme != row.base_theme:
        start: ThemeDefinition = _base(body.base_theme)
    else:
        start = saved
    definition = _definition(start, body)
    await storage.write(theme_key(row.id), dump_definition(definition))
    try:
        if body.name is not None:
            row.name = body.name.strip() or row.name
        if body.base_theme is not None:
            row.base_theme = body.base_theme
        session.commit()
    except Exception:
        # The name and base were not saved: the stored definition goes back to the one they describe.
        session.rollback()
        with contextlib.suppress(StorageError):
            await storage.write(theme_key(row.id), dump_definition(saved))
        raise
    return theme_from_definition(row.id, row.name, row.base_theme, definition)


@router.delete("/{theme_id}", status_code=status.HTTP_204_NO_CONTENT, responses=READ_ONLY)
async def delete_theme(
    theme_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """Charts that used it fall back to the default theme."""
    if theme_id in BUILTIN_BY_ID:
        raise _read_only(theme_id)
    await delete_with_file(
        session, storage, user, ThemeRow, theme_id, "theme", theme_key(theme_id), quiet=False
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
