"""Custom themes in storage (`themes/<id>.json`, the complete definition) and theme lookup for charts."""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from storyanalytics.api.services.themes import (
    DEFAULT_THEME_ID,
    Theme,
    ThemeDefinition,
    ThemeError,
    get_builtin,
    parse_definition,
    require_base,
    theme_from_definition,
)
from storyanalytics.db.models import Theme as ThemeRow
from storyanalytics.storage import ObjectNotFound, StorageBackend

logger = logging.getLogger("storyanalytics.api")


def theme_key(theme_id: str) -> str:
    return f"themes/{theme_id}.json"


def dump_definition(definition: ThemeDefinition) -> bytes:
    return json.dumps(definition.model_dump(), separators=(",", ":")).encode()


async def load_custom_theme(storage: StorageBackend, row: ThemeRow) -> Theme:
    """A team theme; if its file is missing or damaged, its base theme's look (never an error)."""
    try:
        definition = parse_definition(json.loads(await storage.read(theme_key(row.id))))
    except (ObjectNotFound, ThemeError, ValueError):
        logger.warning("theme %s has no usable definition; using its base theme", row.id)
        base = get_builtin(row.base_theme) or require_base(DEFAULT_THEME_ID)
        definition = ThemeDefinition.model_validate(base.model_dump(include={"fonts", "colors", "palette"}))
    return theme_from_definition(row.id, row.name, row.base_theme, definition)


async def resolve_theme(session: Session, storage: StorageBackend, team_id: str, theme_id: str) -> Theme:
    """The theme a chart names: a built-in, a custom theme of the chart's team, else the default."""
    builtin = get_builtin(theme_id)
    if builtin is not None:
        return builtin
    row = session.get(ThemeRow, theme_id) if theme_id else None
    if row is not None and row.team_id == team_id:
        return await load_custom_theme(storage, row)
    return require_base(DEFAULT_THEME_ID)
