"""The whole move: a local data folder into the stack's bucket and database, with a JSON report.

Order: every check first (data folder, bucket, write probe, both databases, the copy plan), so bad
input fails before anything is written; then files, then metadata rows, so a row never points at a
file the bucket does not have yet. Both steps skip what is already there, so running again after an
interruption finishes the job.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storyanalytics.db import redact_url
from storyanalytics.migrate.accounts import grant_admin_access, has_account, normalise_email
from storyanalytics.migrate.checks import (
    check_bucket,
    check_data_dir,
    check_source_revision,
    inspect_database,
)
from storyanalytics.migrate.database_copy import DatabaseReport, prepared_database_migration
from storyanalytics.migrate.errors import MigrationError
from storyanalytics.migrate.layout import LOCAL_DATABASE_FILE, is_data_key
from storyanalytics.migrate.progress import ProgressCallback
from storyanalytics.migrate.remote_import import (
    AppImporter,
    Transport,
    report_from_dict,
    upload_and_import,
)
from storyanalytics.migrate.storage_copy import StorageReport, Verify, migrate_storage
from storyanalytics.storage import LocalStorageBackend, S3StorageBackend, StorageError


@dataclass
class MigrationReport:
    data_dir: str
    bucket: str
    prefix: str
    database: str
    dry_run: bool
    started_at: str
    storage: StorageReport | None = None
    metadata: DatabaseReport | None = None
    ignored_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    shared_with: str | None = None
    shared_teams: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.storage is None or self.storage.ok) and (self.metadata is None or self.metadata.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "started_at": self.started_at,
            "seconds": self.seconds,
            "data_dir": self.data_dir,
            "bucket": self.bucket,
            "prefix": self.prefix,
            "database": self.database,
            "files": self.storage.to_dict() if self.storage else None,
            "metadata": self.metadata.to_dict() if self.metadata else None,
            "ignored_files": self.ignored_files,
            "notes": self.notes,
            "shared_with": self.shared_with,
            "shared_teams": self.shared_teams,
        }

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        """Write the report atomically (no secrets in it: the database URL is redacted)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".migrate-report-", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(self.to_dict(), stream, indent=2, sort_keys=False, default=str)
            stream.write("\n")
        os.replace(temp, target)
        return target


def _ignored(data_dir: Path) -> list[str]:
    """Files in the data folder that are neither app data nor the local database."""
    ignored = []
    for path in data_dir.rglob("*"):
        if not path.is_file():
            continue
        key = path.relative_to(data_dir).as_posix()
        if key.startswith(LOCAL_DATABASE_FILE) or is_data_key(key) or path.name.startswith(".~sa-"):
            continue
        ignored.append(key)
    return sorted(ignored)


def migrate_local_to_cloud(
    data_dir: str | os.PathLike[str],
    bucket: str,
    database_url: str,
    *,
    prefix: str = "",
    endpoint_url: str | None = None,
    region: str | None = None,
    source_database_url: str | None = None,
    dry_run: bool = False,
    merge: bool = False,
    overwrite: bool = False,
    verify: Verify = "etag",
    concurrency: int = 16,
    batch_size: int = 5000,
    report_path: str | os.PathLike[str] | None = None,
    on_progress: ProgressCallback | None = None,
    share_with: str | None = None,
    app_url: str | None = None,
    admin_email: str | None = None,
    admin_password: str | None = None,
    verify_tls: bool | str = True,
    transport: Transport | None = None,
) -> MigrationReport:
    """Copy the data folder's files into `bucket` and its metadata.db into `database_url`.

    `source_database_url` overrides the local database (default: `<data_dir>/metadata.db`).
    `share_with` (a cloud account's email, usually the stack's admin) becomes an owner of the local
    user's teams once the copy verified, so it sees the local charts (see `accounts.grant_admin_access`);
    the account must exist in the cloud database or come with the local one, checked before any write.
    Without `database_url` (the stack's database is private, unreachable from a laptop), `app_url` with
    an admin's `admin_email` and `admin_password` has the app import the metadata instead: files are
    copied here as usual, then the local database goes to the bucket and the app, inside the VPC, copies
    it (see `remote_import`); `verify_tls` may be a CA bundle path.
    Returns the report, also written as JSON to `report_path` when given.
    """
    started = time.perf_counter()
    folder = check_data_dir(data_dir)
    if not database_url and not app_url:
        raise MigrationError(
            "no target database given: pass --database-url (or set DATABASE_URL), or the app's URL with "
            "--app-url and --admin-email so the app imports the metadata"
        )
    importer = (
        AppImporter(app_url, admin_email or "", admin_password or "", verify_tls, transport)
        if not database_url and app_url
        else None
    )
    share_email = normalise_email(share_with) if share_with is not None else None
    source_url = source_database_url or f"sqlite:///{(folder / LOCAL_DATABASE_FILE).as_posix()}"
    try:
        target = S3StorageBackend(bucket, prefix=prefix, endpoint_url=endpoint_url, region_name=region)
    except StorageError as exc:
        raise MigrationError(str(exc)) from None
    report = MigrationReport(
        data_dir=str(folder),
        bucket=bucket,
        prefix=target.prefix,
        database=redact_url(database_url) if importer is None else f"imported by the app at {app_url}",
        dry_run=dry_run,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        ignored_files=_ignored(folder),
    )
    if dry_run:
        report.notes.append("dry run: nothing was written (the bucket write probe was skipped too)")
    check_bucket(target, probe=not dry_run)

    def copy_files() -> StorageReport:
        return migrate_storage(
            LocalStorageBackend(folder),
            target,
            dry_run=dry_run,
            concurrency=concurrency,
            on_progress=on_progress,
            overwrite=overwrite,
            verify=verify,
            include=is_data_key,
        )

    has_database = source_database_url is not None or (folder / LOCAL_DATABASE_FILE).is_file()
    if share_email is not None and not has_database:
        raise MigrationError(
            f"there is no {LOCAL_DATABASE_FILE} in {folder}, so there are no local teams to share with "
            f"{share_email}: run without --share-with"
        )
    if not has_database:
        report.notes.append(f"no {LOCAL_DATABASE_FILE} in the data folder: only files were copied")
        report.storage = copy_files()
    elif importer is not None:
        _through_app(importer, report, source_url, target, copy_files, merge, share_email, on_progress)
    else:
        with prepared_database_migration(
            source_url,
            database_url,
            dry_run=dry_run,
            batch_size=batch_size,
            on_progress=on_progress,
            merge=merge,
        ) as database:
            if database.sign_in_accounts == 0:
                report.notes.append(
                    "no local account has a password, so nobody will be able to sign in to the cloud app "
                    "(its ADMIN_EMAIL admin is only created in an empty database): create an account with "
                    "a password in the local app (Users, or POST /api/users) and run the migration again "
                    "with --merge"
                )
            if share_email is not None and not (
                has_account(database_url, share_email) or has_account(source_url, share_email)
            ):
                raise MigrationError(
                    f"there is no account {share_email} in the cloud database: sign in to the deployed "
                    "app with it once (the stack creates its ADMIN_EMAIL account at first start), or "
                    "share with an existing account"
                )
            report.storage = copy_files()
            report.metadata = database.run()
    if share_email is not None and importer is None:
        report.shared_with = share_email
        if dry_run:
            report.notes.append(f"dry run: {share_email} would become an owner of the local user's teams")
        elif report.ok:
            report.shared_teams = grant_admin_access(database_url, share_email)
            report.notes.append(
                f"{share_email} now owns {len(report.shared_teams)} more team(s) with the local charts"
            )
        else:
            report.notes.append(f"not shared with {share_email}: the copy did not verify; run it again")
    report.seconds = round(time.perf_counter() - started, 3)
    if report_path is not None:
        report.write_json(report_path)
    return report


def _through_app(
    importer: AppImporter,
    report: MigrationReport,
    source_url: str,
    target: S3StorageBackend,
    copy_files: Callable[[], StorageReport],
    merge: bool,
    share_email: str | None,
    on_progress: ProgressCallback | None,
) -> None:
    """Files here, metadata by the app: checks the local schema and signs in before anything is written."""
    source = inspect_database(source_url, "source")
    try:
        check_source_revision(source)
        sqlite_path = source.engine.url.database
    finally:
        source.engine.dispose()
    if source.engine.url.get_backend_name() != "sqlite" or not sqlite_path:
        raise MigrationError("the app imports only a local SQLite metadata.db: pass the data folder's one")
    importer.login()
    report.storage = copy_files()
    report.shared_with = share_email
    if report.dry_run:
        report.notes.append(f"dry run: the app at {importer.app_url} would import the metadata")
        return
    if not report.storage.ok:
        report.notes.append("the metadata was not imported: the files did not verify; run again")
        return
    body = upload_and_import(
        importer,
        sqlite_path=sqlite_path,
        storage=target,
        merge=merge,
        share_with=share_email,
        on_progress=on_progress,
    )
    report.metadata = report_from_dict(body)
    report.notes.append(f"the app at {importer.app_url} imported the metadata")
    if share_email is not None:
        report.shared_teams = list(body.get("shared_teams") or [])
        report.notes.append(
            f"{share_email} now owns {len(report.shared_teams)} more team(s) with the local charts"
        )
