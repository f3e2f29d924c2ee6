"""Large CSVs go from the browser straight to the bucket, then the app reads them from there.

A Lambda function URL takes at most 6 MB per request (BUFFERED invoke mode, "The maximum payload size is
6 MB": https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html), far below MAX_UPLOAD_MB.
So in cloud mode the browser asks for a presigned POST (`.../data/direct-upload`), sends the file to S3
itself, and then asks the app to take it in (`.../data/from-upload`): the same checks and storage as
PUT /api/charts/{id}/data, only the bytes come from the bucket. Local mode answers 409 and the web app
sends the file to PUT as before.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from pydantic import BaseModel, Field

from storyanalytics.api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import UPLOAD_TOO_LARGE, error_responses
from storyanalytics.api.routers.uploads import store_chart_data, too_large
from storyanalytics.api.schemas import DataInfo
from storyanalytics.api.services.access import get_team_item_or_404
from storyanalytics.db.models import Chart, new_id
from storyanalytics.storage import ObjectNotFound

router = APIRouter(tags=["data"], route_class=LazyAPIRoute)

# Files waiting to be taken in; the bucket's lifecycle rule expires whatever is left here after a day.
INCOMING_PREFIX = "incoming"
# Long enough for a slow connection to send MAX_UPLOAD_MB, short enough that a leaked form soon expires.
DIRECT_UPLOAD_SECONDS = 15 * 60
_INCOMING_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.csv")


class DirectUploadIn(BaseModel):
    filename: str = Field(min_length=1, max_length=500)
    size: int = Field(ge=1, description="The file's size in bytes")


class DirectUploadOut(BaseModel):
    url: str
    fields: dict[str, str]
    key: str
    expires_in: int
    max_bytes: int


class FromUploadIn(BaseModel):
    key: str = Field(min_length=1, max_length=300)
    filename: str = Field(min_length=1, max_length=500)


def incoming_key(chart_id: str) -> str:
    return f"{INCOMING_PREFIX}/{chart_id}/{new_id()}.csv"


def _is_incoming_key_of(chart_id: str, key: str) -> bool:
    folder, _, name = key.rpartition("/")
    return folder == f"{INCOMING_PREFIX}/{chart_id}" and _INCOMING_NAME.fullmatch(name) is not None


@router.post(
    "/api/charts/{chart_id}/data/direct-upload",
    response_model=DirectUploadOut,
    responses=error_responses((409, "Local storage: send the file to PUT .../data"), UPLOAD_TOO_LARGE),
)
def direct_upload(
    chart_id: str,
    body: DirectUploadIn,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> DirectUploadOut:
    """A form the browser POSTs the CSV to, straight into the bucket (the app never sees the bytes)."""
    get_team_item_or_404(session, user, Chart, chart_id, "chart")
    max_bytes = settings.max_upload_mb * 1024 * 1024
    if body.size > max_bytes:
        raise too_large(settings.max_upload_mb)
    key = incoming_key(chart_id)
    form = storage.direct_upload(key, max_bytes, DIRECT_UPLOAD_SECONDS)
    if form is None:
        raise ApiError(
            409, f"Direct uploads need S3 storage: send the file to PUT /api/charts/{chart_id}/data instead."
        )
    return DirectUploadOut(
        url=form.url, fields=form.fields, key=key, expires_in=DIRECT_UPLOAD_SECONDS, max_bytes=max_bytes
    )


@router.post(
    "/api/charts/{chart_id}/data/from-upload",
    response_model=DataInfo,
    responses=error_responses(
        (404, "No such chart, or the uploaded file is gone"),
        UPLOAD_TOO_LARGE,
        (422, "Malformed CSV, or a key this chart did not get"),
    ),
)
async def from_upload(
    chart_id: str,
    body: FromUploadIn,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> DataInfo:
    """Take in a CSV the browser sent to the bucket: parse it, store it as the chart's data, drop the copy."""
    chart = get_team_item_or_404(session, user, Chart, chart_id, "chart")
    team_id = chart.team_id
    session.rollback()
    if not _is_incoming_key_of(chart_id, body.key):
        raise ApiError(422, "This upload key was not issued for this chart: ask for a new direct upload.")
    try:
        raw = await storage.read(body.key)
    except ObjectNotFound:
        raise ApiError(
            404, "The uploaded file is not in the bucket (expired or never sent): upload it again."
        ) from None
    if len(raw) > settings.max_upload_mb * 1024 * 1024:
        await storage.delete(body.key)
        raise too_large(settings.max_upload_mb)
    info = await store_chart_data(session, storage, chart_id, team_id, raw, body.filename)
    await storage.delete(body.key)
    return info
