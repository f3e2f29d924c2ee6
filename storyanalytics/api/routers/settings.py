"""/api/settings: the app's settings document (`settings.json`); everyone reads, admins write."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from storyanalytics.api.deps import AdminUser, CurrentUser, SessionDep, StorageDep
from storyanalytics.api.errors import ApiError, ErrorOut
from storyanalytics.api.lazy_route import LazyAPIRoute
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


@router.put(
    "",
    response_model=AppSettings,
    openapi_extra=_UPDATE_SCHEMA,
    responses={403: {"model": ErrorOut, "description": "Only admins change settings"}},
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
    try:
        settings = merge_settings(await read_app_settings(storage), update)
    except SettingsError as exc:
        raise ApiError(422, str(exc)) from None
    await storage.write(SETTINGS_KEY, dump_settings(settings))
    values = settings.model_dump()
    rows = {row.key: row for row in session.scalars(select(AppSetting)).all()}
    now = utcnow()
    for key, value in values.items():
        row = rows.get(key)
        if row is None:
            session.add(AppSetting(key=key, value=value, updated_at=now))
        elif row.value != value:
            row.value = value
            row.updated_at = now
    session.commit()
    return settings
