"""Saving chart changes: optimistic concurrency and history in one place.

The winner of a change is decided by one conditional `UPDATE charts SET version = v + 1 ... WHERE id = :id
AND version = :v`, atomic on SQLite and PostgreSQL; the loser gets 409 and writes nothing. Only the winner
of version n writes `versions/<id>/<n>.json`, then `charts/<id>.json`. No transaction is held across an
`await`, so concurrent requests on one event loop never wait on each other's locks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storyanalytics.api.services.change_summary import describe_change
from storyanalytics.api.services.charts import (
    chart_config_key,
    current_upload,
    default_config,
    dump_json,
    read_chart_config,
    read_json,
    version_key,
)
from storyanalytics.api.services.optimistic import stale, update_if_version
from storyanalytics.db.models import Chart, ChartVersion, Upload, new_id
from storyanalytics.db.types import utcnow
from storyanalytics.storage import ObjectNotFound, StorageBackend, StorageError

logger = logging.getLogger("storyanalytics.api")

# Chart fields a version snapshot keeps (besides the config, which lives in storage).
VERSIONED_FIELDS = ("title", "description", "chart_type", "theme_id")
# Fields a change may set on the row.
CHANGEABLE_FIELDS = (*VERSIONED_FIELDS, "folder_id")


def snapshot(chart_fields: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    return {**{name: chart_fields[name] for name in VERSIONED_FIELDS}, "config": config}


def version_document(
    number: int,
    created_at: datetime,
    created_by: str | None,
    message: str,
    chart: dict[str, Any],
    upload_id: str | None = None,
) -> dict[str, Any]:
    """`upload_id`: the chart's data when the version was made, so restoring it restores that data too."""
    return {
        "number": number,
        "created_at": created_at.isoformat(),
        "created_by": created_by,
        "message": message,
        "chart": chart,
        "upload_id": upload_id,
    }


def restored_upload(session: Session, chart_id: str, upload_id: str | None) -> Upload | None:
    """A new row making the upload a version was made with the chart's data again (same file), not yet
    added; None when there is nothing to restore (no upload recorded, gone, or already current)."""
    if upload_id is None:
        return None
    current = current_upload(session, chart_id)
    old = session.get(Upload, upload_id)
    if old is None or old.chart_id != chart_id or (current is not None and current.id == old.id):
        return None
    return Upload(
        id=new_id(),
        team_id=old.team_id,
        chart_id=chart_id,
        filename=old.filename,
        storage_key=old.storage_key,
        content_type=old.content_type,
        size_bytes=old.size_bytes,
        sha256=old.sha256,
        row_count=old.row_count,
        columns=old.columns,
        created_at=utcnow(),
    )


async def _delete_quietly(storage: StorageBackend, keys: list[str]) -> None:
    for key in keys:
        try:
            await storage.delete(key)
        except StorageError:
            logger.warning("could not clean up %s after a failed write", key)


async def create_chart(
    session: Session,
    storage: StorageBackend,
    *,
    team_id: str,
    created_by: str | None,
    title: str = "",
    description: str = "",
    chart_type: str = "bar",
    theme_id: str = "default",
    folder_id: str | None = None,
    config: dict[str, Any] | None = None,
    message: str = "Created",
) -> Chart:
    """A new chart at version 1, with its config and first version stored; nothing kept if storage fails."""
    chart = Chart(
        id=new_id(),
        team_id=team_id,
        folder_id=folder_id,
        title=title,
        description=description,
        chart_type=chart_type,
        theme_id=theme_id,
        version=1,
        created_by=created_by,
    )
    config = config if config is not None else default_config()
    now = utcnow()
    document = version_document(
        1,
        now,
        created_by,
        message,
        snapshot({name: getattr(chart, name) for name in VERSIONED_FIELDS}, config),
    )
    keys = [version_key(chart.id, 1), chart_config_key(chart.id)]
    try:
        await storage.write(keys[0], dump_json(document))
        await storage.write(keys[1], dump_json(config))
    except StorageError:
        await _delete_quietly(storage, keys)
        raise
    session.add(chart)
    session.add(
        ChartVersion(
            chart_id=chart.id,
            number=1,
            storage_key=keys[0],
            message=message,
            created_by=created_by,
            created_at=now,
        )
    )
    try:
        session.commit()
    except Exception:
        session.rollback()
        await _delete_quietly(storage, keys)
        raise
    session.refresh(chart)
    return chart


async def config_at(storage: StorageBackend, chart_id: str, number: int) -> dict[str, Any]:
    """The config saved with version `number` (written once, by that version's winner)."""
    try:
        document = await read_json(storage, version_key(chart_id, number))
        config = document.get("chart", {}).get("config")
        if isinstance(config, dict):
            return config
    except ObjectNotFound:
        pass
    return await read_chart_config(storage, chart_id)


async def save_chart_change(
    session: Session,
    storage: StorageBackend,
    chart: Chart,
    expected_version: int,
    changes: dict[str, Any],
    *,
    user_id: str | None,
    message: str = "",
    restore_upload_id: str | None = None,
) -> Chart:
    """Apply `changes` (any of title, description, chart_type, theme_id, folder_id, config) as version v+1.

    `restore_upload_id`: make that upload the chart's data again, in the same transaction (a restore).
    Raises 409 when the chart is no longer at `expected_version`; then nothing is written.
    """
    if chart.version != expected_version:
        raise stale("chart", chart.version, expected_version)
    unknown = set(changes) - {*CHANGEABLE_FIELDS, "config"}
    if unknown:
        raise ValueError(f"save_chart_change cannot change {sorted(unknown)}")
    old_fields = {name: getattr(chart, name) for name in CHANGEABLE_FIELDS}
    new_fields = {**old_fields, **{k: v for k, v in changes.items() if k != "config"}}
    old_config = await config_at(storage, chart.id, expected_version)
    config = changes.get("config", old_config)
    if not message:
        message = describe_change(old_fields, new_fields, old_config, config)
    number = expected_version + 1
    now = utcnow()
    restored = restored_upload(session, chart.id, restore_upload_id)
    data = restored or current_upload(session, chart.id)

    update_if_version(session, Chart, "chart", chart.id, expected_version, {"updated_at": now, **new_fields})
    if restored is not None:
        session.add(restored)
    key = version_key(chart.id, number)
    session.add(
        ChartVersion(
            chart_id=chart.id,
            number=number,
            storage_key=key,
            message=message,
            created_by=user_id,
            created_at=now,
        )
    )
    session.commit()

    try:
        await storage.write(
            key,
            dump_json(
                version_document(
                    number, now, user_id, message, snapshot(new_fields, config), data.id if data else None
                )
            ),
        )
        await storage.write(chart_config_key(chart.id), dump_json(config))
    except StorageError:
        # Put the row back as it was, so the database never points at a version that was not stored.
        session.execute(
            update(Chart)
            .where(Chart.id == chart.id, Chart.version == number)
            .values(version=expected_version, **old_fields)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(ChartVersion).where(ChartVersion.chart_id == chart.id, ChartVersion.number == number)
        )
        if restored is not None:
            session.execute(delete(Upload).where(Upload.id == restored.id))
        session.commit()
        await _delete_quietly(storage, [key])
        raise
    await _settle_latest_config(session, storage, chart.id, number)
    session.refresh(chart)
    return chart


async def _settle_latest_config(
    session: Session, storage: StorageBackend, chart_id: str, written: int
) -> None:
    """If a later version committed while we wrote, make sure `charts/<id>.json` ends at the latest one."""
    session.rollback()  # a fresh snapshot on databases that keep one per transaction
    latest = session.scalar(select(Chart.version).where(Chart.id == chart_id))
    if latest is None or latest <= written:
        return
    try:
        document = await read_json(storage, version_key(chart_id, latest))
    except ObjectNotFound:
        return  # its writer has not stored it yet and will write charts/<id>.json after that
    await storage.write(chart_config_key(chart_id), dump_json(document["chart"]["config"]))
