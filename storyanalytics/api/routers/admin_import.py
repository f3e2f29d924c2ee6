"""/api/admin/import-metadata: the app, inside the VPC, imports a local metadata.db from its bucket.

The cloud database is private (no public access, private subnets), so a laptop cannot reach it
without a tunnel; the bucket it can reach. The migration uploads the local SQLite file under
`.story-analytics/import/` and asks the app to copy it into its own database with the same verified
`migrate_database` the direct path uses. Admins only; the database URL never leaves the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from storyanalytics.api.deps import AdminUser, EdgeDep, SettingsDep, StorageDep
from storyanalytics.api.errors import ApiError
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import ADMINS_ONLY, error_responses
from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.naming import MARKER_FOLDER  # not from migrate/: that package is heavy to import
from storyanalytics.publish.sync import sync_published
from storyanalytics.storage import InvalidKey, ObjectNotFound, StorageError

router = APIRouter(prefix="/api/admin", tags=["admin"], route_class=LazyAPIRoute)

IMPORT_FOLDER = f"{MARKER_FOLDER}/import/"
SQLITE_MAGIC = b"SQLite format 3\x00"
# A local metadata.db with hundreds of thousands of versions is tens of MB; this leaves ample room.
MAX_IMPORT_BYTES = 512 * 1024 * 1024
# One import at a time per app instance: a second one would only compete for the same rows.
_running = threading.Lock()


class ImportIn(BaseModel):
    key: Annotated[str, Field(min_length=1, max_length=1024)]
    merge: bool = True
    share_with: Annotated[str | None, Field(max_length=320)] = None


def _check_key(key: str) -> None:
    name = key.removeprefix(IMPORT_FOLDER)
    if not key.startswith(IMPORT_FOLDER) or not name or "/" in name:
        raise ApiError(
            422, f"Only files directly under {IMPORT_FOLDER} can be imported: upload the metadata.db there."
        )


async def _download(storage: Any, key: str) -> Path:
    """The object in a private temp file; refuses missing, oversized and non-SQLite objects."""
    try:
        data: bytes = await storage.read(key)
    except ObjectNotFound:
        raise ApiError(
            404, f"There is no {key} in the app's bucket: upload the metadata.db first, then import it."
        ) from None
    except InvalidKey as exc:
        raise ApiError(422, str(exc)) from None
    except StorageError:
        raise ApiError(503, "The app cannot read its bucket right now: try again in a moment.") from None
    if len(data) > MAX_IMPORT_BYTES:
        raise ApiError(
            413, f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB: use the direct migration."
        )
    if not data.startswith(SQLITE_MAGIC):
        raise ApiError(422, f"{key} is not a SQLite database: upload the local data folder's metadata.db.")
    handle, name = tempfile.mkstemp(prefix="sa-import-", suffix=".db")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    return Path(name)


def _run_import(sqlite_path: Path, database_url: str, merge: bool, share_with: str | None) -> dict[str, Any]:
    """The verified copy, then sharing; runs in a worker thread (both are synchronous)."""
    from storyanalytics.migrate import grant_admin_access, migrate_database
    from storyanalytics.migrate.accounts import has_account, normalise_email

    source_url = f"sqlite:///{sqlite_path.as_posix()}"
    email = normalise_email(share_with) if share_with is not None else None
    if email is not None and not (has_account(database_url, email) or has_account(source_url, email)):
        raise ApiError(
            409,
            f"There is no account {email} in the app or in the uploaded database: sign in to the app "
            "with it once, or share with an existing account.",
        )
    report = migrate_database(source_url, database_url, merge=merge)
    body = report.to_dict()
    # The report names both databases; the app's URL (host, user) stays inside the app.
    body["source"] = "the uploaded metadata.db"
    body["target"] = "the app's database"
    body["shared_with"] = email
    body["shared_teams"] = grant_admin_access(database_url, email) if email and report.ok else []
    return body


@router.post(
    "/import-metadata",
    summary="Import a local metadata.db uploaded to the app's bucket",
    responses=error_responses(
        ADMINS_ONLY, (409, "Not a cloud deployment, another import running, or the copy refused")
    ),
)
async def import_metadata(
    body: ImportIn,
    admin: AdminUser,
    settings: SettingsDep,
    storage: StorageDep,
    edge: EdgeDep,
    request: Request,
) -> dict[str, Any]:
    """Copies the uploaded SQLite database into the app's database (verified; merge keeps what is there).

    Answers with the report: per table the rows copied, skipped and conflicting, and whether it verified;
    `shared_teams` lists the teams `share_with` now owns. With an edge (cloud mode), what was published
    locally is then published there too (`edge`: the sync's counts), at the CDN's URLs.
    """
    _check_key(body.key)
    database_url = settings.resolved_database_url
    if database_url.startswith("sqlite"):
        raise ApiError(409, "This app keeps its metadata in SQLite: import only into a cloud deployment.")
    if not _running.acquire(blocking=False):
        raise ApiError(409, "Another import is running in this app: wait for it to finish, then run again.")
    try:
        path = await _download(storage, body.key)
        try:
            report = await asyncio.to_thread(_run_import, path, database_url, body.merge, body.share_with)
            if edge is not None:
                synced = await sync_published(request.app.state.session_factory, storage, edge)
                report["edge"] = {
                    "written": len(synced.written),
                    "removed": len(synced.removed),
                    "skipped": synced.skipped,
                }
            return report
        except ApiError:
            raise
        except StoryAnalyticsError as exc:
            # The migration's own sentences (schema mismatch, rows already there, unknown account) say
            # what to do; the app's URL and the temp file's path are replaced all the same.
            raise ApiError(409, _scrubbed(str(exc), database_url, path)) from None
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        _running.release()


def _scrubbed(message: str, database_url: str, path: Path) -> str:
    from storyanalytics.db import redact_url

    replacements = {
        database_url: "the app's database",
        redact_url(database_url): "the app's database",
        f"sqlite:///{path.as_posix()}": "the uploaded metadata.db",
        path.as_posix(): "the uploaded metadata.db",
    }
    for old, new in replacements.items():
        message = message.replace(old, new)
    return message
