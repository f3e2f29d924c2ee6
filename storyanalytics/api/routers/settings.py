"""/api/settings: the app's settings document (`settings.json`); everyone reads, admins write."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyanalytics.api.deps import AdminUser, CurrentUser, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import ADMINS_ONLY, error_responses
from storyanalytics.api.services.app_settings import (
    SETTINGS_KEY,
    AppSettings,
    SettingsError,
    dump_settings,
    merge_settings,
    read_app_settings,
)
from storyanalytics.db.models import AppSetting
from storyanalytics.db.types import utcnow
from storyanalytics.storage import StorageError

router = APIRouter(prefix="/api/settings", tags=["settings"], route_class=LazyAPIRoute)

_UPDATE_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    **AppSettings.model_json_schema(),
                    "required": [],
                    "description": "Any subset of the settings; keys not sent keep their current value.",
                }
            }
        },
    }
}


@router.get("", response_model=AppSettings)
async def get_settings(storage: StorageDep, user: CurrentUser) -> AppSettings:
    return await read_app_settings(storage)


def mirror_settings(session: Session, settings: AppSettings) -> None:
    """The settings as rows (so they can be queried), committed."""
    rows = {row.key: row for row in session.scalars(select(AppSetting)).all()}
    now = utcnow()
    for key, value in settings.model_dump().items():
        row = rows.get(key)
        if row is None:
            session.add(AppSetting(key=key, value=value, updated_at=now))
        elif row.value != value:
            row.value = value
            row.updated_at = now
    session.commit()


@router.put(
    "",
    response_model=AppSettings,
    openapi_extra=_UPDATE_SCHEMA,
    responses=error_responses(ADMINS_ONLY),
)
async def put_settings(
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    user: AdminUser,
) -> AppSettings:
    """Validate the keys sent, merge them into the current settings, store `settings.json`, mirror rows."""
    try:
        update: Any = json.loads(await request.body() or b"null")
    except ValueError:
        raise ApiError(
            422, 'The body is not valid JSON: send an object such as {"site_title": "Charts"}.'
        ) from None
    current = await read_app_settings(storage)
    try:
        settings = merge_settings(current, update)
    except SettingsError as exc:
        raise ApiError(422, str(exc)) from None
    await storage.write(SETTINGS_KEY, dump_settings(settings))
    try:
        mirror_settings(session, settings)
    except Exception:
        # Not mirrored: settings.json goes back to what the rows still say, so the 503 means "not saved".
        session.rollback()
        with contextlib.suppress(StorageError):
            await storage.write(SETTINGS_KEY, dump_settings(current))
        raise
    return settings
