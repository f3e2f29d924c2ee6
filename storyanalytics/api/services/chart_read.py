"""GET /api/charts/<id> in one query: the user, their membership in the chart's team, the chart row and
its newest upload, joined; the response bytes are cached per process by that row.

The cache key is the chart's whole row (raw driver values: version, updated_at, publish state, ...) plus
the newest upload's id. Every change bumps the version and updated_at, uploads never change once
written, and each version's config is frozen in `versions/<id>/<n>.json` by that version's only writer,
so a key always maps to one answer. Each instance reads the row on every request, so several instances
(cloud mode) never serve each other's stale bytes, and access checks run every time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from storyanalytics.api.errors import ApiError, not_found
from storyanalytics.api.schemas import ChartOut, ColumnOut, DataSummary
from storyanalytics.api.services.charts import read_chart_config, read_json, version_key
from storyanalytics.api.services.rawsql import LruCache, RawStatement, compile_once, fetch_one
from storyanalytics.db.models import Chart, Membership, Upload, User
from storyanalytics.storage import ObjectNotFound, StorageBackend

CHART_FIELDS = (
    "id",
    "team_id",
    "folder_id",
    "title",
    "chart_type",
    "version",
    "is_published",
    "public_id",
    "updated_at",
    "description",
    "theme_id",
    "public_version",
    "created_at",
    "published_at",
)
# Row layout: user is_active, token version, membership role, the chart fields, upload id, row count,
# columns.
_CHART = slice(3, 3 + len(CHART_FIELDS))
_KEY = slice(3, 4 + len(CHART_FIELDS))  # the chart fields and the upload id


def _statement() -> Select[Any]:
    newest_upload = (
        select(Upload.id)
        .where(Upload.chart_id == Chart.id)
        .order_by(Upload.created_at.desc(), Upload.id.desc())
        .limit(1)
        .correlate(Chart)
        .scalar_subquery()
    )
    return (
        select(
            User.is_active,
            User.token_version,
            Membership.role,
            *(getattr(Chart, name) for name in CHART_FIELDS),
            Upload.id,
            Upload.row_count,
            Upload.columns,
        )
        .select_from(User)
        .outerjoin(Chart, Chart.id == bindparam("chart_id"))
        .outerjoin(Membership, and_(Membership.team_id == Chart.team_id, Membership.user_id == User.id))
        .outerjoin(Upload, Upload.id == newest_upload)
        .where(User.id == bindparam("user_id"))
    )


def chart_statement(engine: Engine) -> RawStatement:
    return compile_once(engine, "chart-read", _statement)


ChartResponses = LruCache[tuple[Any, ...], bytes]
CHART_RESPONSES_SIZE = 4096  # about 1 KB each: a few thousand recently read charts cost a few MB


async def read_chart_response(
    engine: Engine,
    storage: StorageBackend,
    cache: ChartResponses,
    chart_id: str,
    user_id: str,
    *,
    token_version: int | None,
    user_gone: ApiError,
) -> bytes:
    """The JSON bytes of ChartOut for `chart_id` as `user_id` sees it.

    `user_gone` when the user no longer exists (or, with a `token_version`, is disabled or has changed
    their password since the token was issued); 404 when the
    chart is not in one of their teams.
    """
    statement = chart_statement(engine)
    row = fetch_one(engine, statement, {"chart_id": chart_id, "user_id": user_id})
    if row is None or (token_version is not None and not (row[0] and row[1] == token_version)):
        raise user_gone
    if row[2] is None or row[3] is None:
        raise not_found("chart")
    key = row[_KEY]
    body = cache.get(key)
    if body is not None:
        return body
    values = statement.convert(row)
    fields = dict(zip(CHART_FIELDS, values[_CHART], strict=True))
    config, frozen = await _config_of_version(storage, chart_id, fields["version"])
    upload_id, row_count, columns = values[-3:]
    data = (
        None
        if upload_id is None
        else DataSummary(columns=[ColumnOut.model_validate(c) for c in columns], row_count=row_count)
    )
    body = ChartOut(**fields, config=config, data=data).model_dump_json().encode()
    if frozen:
        cache.put(key, body)
    return body


async def _config_of_version(
    storage: StorageBackend, chart_id: str, version: int
) -> tuple[dict[str, Any], bool]:
    """The config saved with `version` and whether it is final (from the version's own snapshot).

    Right after a change commits, `charts/<id>.json` may still hold the previous config for a moment;
    the snapshot is written first, so it is the one to trust (and cache). Without it, fall back to
    `charts/<id>.json` and don't cache.
    """
    try:
        document = await read_json(storage, version_key(chart_id, version))
    except (ObjectNotFound, ValueError):
        document = None
    chart = document.get("chart") if isinstance(document, dict) else None
    config = chart.get("config") if isinstance(chart, dict) else None
    if isinstance(config, dict):
        return config, True
    return await read_chart_config(storage, chart_id), False
