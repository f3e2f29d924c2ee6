"""Preflight checks: every bad input gets one clear sentence before anything is written.

Which buckets are "ours": a bucket (under the chosen prefix) is accepted when it carries the stack's
tag `story-analytics:app`, when it is empty, or when every key in it fits the Story Analytics layout
(charts/, dashboards/, uploads/, themes/, templates/, versions/, snapshots/, settings.json and our
`.story-analytics/` marker folder) - e.g. a bucket the app already uses, or a migration that was
interrupted. Anything else holds files we did not write, and the migration refuses it rather than mix
user data into a foreign bucket.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from storyanalytics.db import make_engine, redact_url
from storyanalytics.db.engine import DatabaseError
from storyanalytics.db.schema import current_revision, head_revision, known_revisions
from storyanalytics.migrate.errors import MigrationError
from storyanalytics.migrate.layout import (
    BUCKET_TAG,
    LAYOUT_FILES,
    LAYOUT_FOLDERS,
    LOCAL_DATABASE_FILE,
    PROBE_KEY,
    is_layout_key,
)
from storyanalytics.storage import S3StorageBackend

_DENIED = {
    "AccessDenied",
    "403",
    "Forbidden",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AllAccessDisabled",
}
_MISSING_BUCKET = {"NoSuchBucket", "404", "NotFound"}


# --- the data folder -------------------------------------------------------------------------------
def check_data_dir(data_dir: str | os.PathLike[str]) -> Path:
    """The folder exists and looks like a Story Analytics data folder; returns it resolved."""
    folder = Path(data_dir).expanduser()
    if not folder.exists():
        raise MigrationError(
            f"data folder {folder} does not exist: pass the folder the app uses (e.g. ./data)"
        )
    if not folder.is_dir():
        raise MigrationError(
            f"{folder} is a file, not a data folder: pass the folder the app uses (e.g. ./data)"
        )
    known = {*LAYOUT_FOLDERS, *LAYOUT_FILES, LOCAL_DATABASE_FILE}
    if not any((folder / name).exists() for name in known):
        raise MigrationError(
            f"{folder} is not a Story Analytics data folder (it has no {LOCAL_DATABASE_FILE}, charts/ or "
            "settings.json): pass the folder the app uses (e.g. ./data)"
        )
    return folder.resolve()


# --- the bucket ------------------------------------------------------------------------------------
def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def check_bucket(target: S3StorageBackend, *, probe: bool = True) -> None:
    """The bucket exists, is ours (see the module docstring) and these credentials can write to it."""
    client, bucket = target.client, target.bucket
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if _code(exc) in _MISSING_BUCKET:
            raise MigrationError(
                f"bucket {bucket!r} does not exist: deploy the stack first or pass the bucket it created"
            ) from None
        if _code(exc) in _DENIED:
            raise MigrationError(
                f"cannot access bucket {bucket!r} with these AWS credentials: use the credentials of the "
                "account that owns the stack"
            ) from None
        raise MigrationError(f"cannot check bucket {bucket!r}: {_code(exc) or exc}") from None
    except BotoCoreError as exc:
        raise MigrationError(f"cannot reach S3 to check bucket {bucket!r}: {exc}") from None
    if not _has_our_tag(target):
        foreign = _foreign_key(target)
        if foreign is not None:
            where = f"under prefix {target.prefix!r} " if target.prefix else ""
            raise MigrationError(
                f"bucket {bucket!r} {where}holds files Story Analytics did not write (e.g. {foreign!r}): "
                "pass the bucket your stack created, or an empty one"
            )
    if probe:
        probe_write(target)


def _has_our_tag(target: S3StorageBackend) -> bool:
    try:
        tags = target.client.get_bucket_tagging(Bucket=target.bucket).get("TagSet", [])
    except (ClientError, BotoCoreError):
        return False  # no tags (NoSuchTagSet) or not allowed to read them: judge by the contents
    return any(tag.get("Key") == BUCKET_TAG for tag in tags)


def _foreign_key(target: S3StorageBackend) -> str | None:
    prefix = target.prefix + "/" if target.prefix else ""
    try:
        paginator = target.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=target.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(prefix) :]
                if not is_layout_key(key):
                    return key
    except ClientError as exc:
        if _code(exc) in _DENIED:
            raise MigrationError(
                f"cannot list bucket {target.bucket!r} with these AWS credentials: they need "
                "s3:ListBucket on it"
            ) from None
        raise MigrationError(f"cannot list bucket {target.bucket!r}: {_code(exc) or exc}") from None
    return None


def probe_write(target: S3StorageBackend) -> None:
    """Write and delete a marker object, so missing write rights show up before the copy starts."""
    key = target._object_key(PROBE_KEY)
    try:
        target.client.put_object(Bucket=target.bucket, Key=key, Body=b"story-analytics migration probe\n")
        target.client.delete_object(Bucket=target.bucket, Key=key)
    except ClientError as exc:
        raise MigrationError(
            f"these AWS credentials cannot write to bucket {target.bucket!r} ({_code(exc)}): they need "
            "s3:PutObject and s3:DeleteObject on it"
        ) from None
    except BotoCoreError as exc:
        raise MigrationError(f"cannot reach S3 to write to bucket {target.bucket!r}: {exc}") from None


# --- databases -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DatabaseState:
    engine: Engine
    revision: str | None
    label: str


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except Exception:
        # Never repeat the URL: it may hold a password.
        raise MigrationError(
            "cannot parse the database URL: use sqlite:///path/to.db or "
            "postgresql+psycopg2://user:password@host:5432/dbname"
        ) from None


def inspect_database(url: str, role: str) -> DatabaseState:
    """Connect (read only) and read the schema revision; unreachable databases fail here."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and role == "source":
        path = parsed.database or ""
        if not path or path == ":memory:" or not Path(path).is_file():
            raise MigrationError(f"the source database file {path or '(none)'} does not exist")
    options = {"connect_args": {"connect_timeout": 10}} if backend == "postgresql" else {}
    try:
        engine = make_engine(url, **options)
    except DatabaseError as exc:
        raise MigrationError(str(exc)) from None
    label = redact_url(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = current_revision(connection)
    except DBAPIError as exc:
        engine.dispose()
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        raise MigrationError(
            f"cannot reach the {role} database {label}: {reason}; check the URL and that the server "
            "accepts connections from here"
        ) from None
    return DatabaseState(engine, revision, label)


def check_source_revision(state: DatabaseState) -> None:
    """The source must be exactly at the code's schema: we never change the user's local database."""
    head = head_revision()
    if state.revision == head:
        return
    if state.revision is None:
        raise MigrationError(
            f"the source database {state.label} has no Story Analytics schema: point at the metadata.db "
            "the app created"
        )
    if state.revision not in known_revisions():
        raise MigrationError(
            f"the source database {state.label} is at schema revision {state.revision}, newer than this "
            f"version of Story Analytics knows ({head}): upgrade the package and run again"
        )
    raise MigrationError(
        f"the source database {state.label} is at older schema revision {state.revision} (this version "
        f"needs {head}): run `story-analytics db upgrade --database-url <its URL>` first, then run again"
    )


def check_target_revision(state: DatabaseState) -> None:
    """An empty or older target is upgraded later; one newer than the code is refused."""
    if state.revision is not None and state.revision not in known_revisions():
        raise MigrationError(
            f"the target database {state.label} is at schema revision {state.revision}, newer than this "
            f"version of Story Analytics knows ({head_revision()}): upgrade the package and run again"
        )


def check_distinct(source: DatabaseState, target: DatabaseState) -> None:
    if source.engine.url == target.engine.url:
        raise MigrationError("the source and target databases are the same: pass the cloud DATABASE_URL")


def count_sign_in_accounts(state: DatabaseState) -> int:
    """Active accounts with a password: the ones that can sign in once auth is on in the cloud."""
    from storyanalytics.db.models import User

    with state.engine.connect() as connection:
        query = select(func.count()).select_from(User).where(User.password_hash.is_not(None), User.is_active)
        return int(connection.execute(query).scalar_one())
