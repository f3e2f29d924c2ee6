"""GET /api/meta: what the web app needs to know before it draws anything."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from storyanalytics import __version__
from storyanalytics.api.deps import SettingsDep
from storyanalytics.api.lazy_route import LazyAPIRoute

router = APIRouter(prefix="/api", tags=["meta"], route_class=LazyAPIRoute)


class MetaOut(BaseModel):
    mode: Literal["local", "cloud"]
    auth_required: bool
    version: str
    max_upload_mb: int


@router.get("/meta", response_model=MetaOut)
async def meta(settings: SettingsDep) -> MetaOut:
    return MetaOut(
        mode="cloud" if settings.is_cloud else "local",
        auth_required=settings.auth_required,
        version=__version__,
        max_upload_mb=settings.max_upload_mb,
    )
