"""Metadata through the app: for a cloud database that this machine cannot reach (private subnets).

The bucket is reachable with the user's AWS credentials and the app is reachable at its HTTPS URL, so
the local metadata.db goes to the bucket under `.story-analytics/import/` and the app, inside the VPC,
copies it into its database (POST /api/admin/import-metadata, admins only) with the same verified
`migrate_database` the direct path uses. No tunnel, no database port opened.

>>> report = import_metadata_via_app(
...     "https://abc.example.com", "admin@example.org", password, sqlite_path="data/metadata.db",
...     storage=S3StorageBackend("my-bucket"), share_with="admin@example.org")
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import ssl
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from storyanalytics.migrate.database_copy import DatabaseReport, TableReport
from storyanalytics.migrate.errors import MigrationError
from storyanalytics.migrate.layout import MARKER_FOLDER
from storyanalytics.migrate.progress import ProgressCallback, ProgressEvent
from storyanalytics.migrate.storage_copy import run_blocking
from storyanalytics.storage import StorageBackend, StorageError

IMPORT_FOLDER = f"{MARKER_FOLDER}/import/"
IMPORT_PATH = "/api/admin/import-metadata"
LOGIN_PATH = "/api/auth/login"
# The app copies while the request waits; load balancers cut idle requests after 60-120 s.
DEFAULT_TIMEOUT = 900.0

# (method, url, JSON body, headers) -> (status, parsed JSON body or None). Tests pass a TestClient here.
Transport = Callable[[str, str, dict[str, Any] | None, dict[str, str]], tuple[int, Any]]


def urllib_transport(*, verify_tls: bool | str = True, timeout: float = DEFAULT_TIMEOUT) -> Transport:
    """HTTPS with the standard library; `verify_tls` may be a CA bundle path (e.g. a self-signed cert)."""
    if verify_tls is False:
        context = ssl._create_unverified_context()
    elif isinstance(verify_tls, str):
        context = ssl.create_default_context(cafile=verify_tls)
    else:
        context = ssl.create_default_context()  # honours SSL_CERT_FILE

    def send(method: str, url: str, body: dict[str, Any] | None, headers: dict[str, str]) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())

    return send


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _detail(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"]).rstrip(".")
    return ""


@dataclass
class AppImporter:
    """Signs in to the app as an admin and asks it to import an uploaded metadata.db."""

    app_url: str
    admin_email: str
    admin_password: str = field(repr=False)
    verify_tls: bool | str = True
    transport: Transport | None = field(default=None, repr=False)
    _token: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        url = (self.app_url or "").strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise MigrationError(
                f"{self.app_url!r} is not the app's URL: pass the stack's AppUrl, e.g. https://abc.example.com"
            )
        self.app_url = url
        if not self.admin_email or not self.admin_password:
            raise MigrationError(
                "the app needs an admin email and password to import: pass --admin-email and set "
                "ADMIN_PASSWORD (or answer the prompt)"
            )
        if self.transport is None:
            self.transport = urllib_transport(verify_tls=self.verify_tls)

    def _send(self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
        assert self.transport is not None
        try:
            return self.transport(method, self.app_url + path, body, headers)
        except ssl.SSLError as exc:
            raise MigrationError(
                f"the app at {self.app_url} has a TLS certificate this machine does not trust "
                f"({type(exc).__name__}): check the URL, or pass the certificate's CA bundle"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, ssl.SSLError):
                raise MigrationError(
                    f"the app at {self.app_url} has a TLS certificate this machine does not trust: check "
                    "the URL, or pass the certificate's CA bundle"
                ) from None
            raise MigrationError(
                f"cannot reach the app at {self.app_url} ({type(reason).__name__}): check the URL (the "
                "stack's AppUrl) and that the service is running"
            ) from None

    def login(self) -> None:
        """Sign in; wrong credentials and a non-admin account fail here, before anything is written."""
        status, body = self._send(
            "POST", LOGIN_PATH, {"email": self.admin_email, "password": self.admin_password}, {}
        )
        if status in (401, 403, 422):
            raise MigrationError(
                f"the app at {self.app_url} refused the email or password for {self.admin_email}: use the "
                "stack's admin account (its password is in the stack's AdminPasswordSecretArn secret)"
            )
        if status != 200 or not isinstance(body, dict) or not body.get("access_token"):
            raise MigrationError(
                f"the app at {self.app_url} did not sign in {self.admin_email} (HTTP {status}): check that "
                "the URL is the Story Analytics app and try again"
            )
        if not (body.get("user") or {}).get("is_admin", True):
            raise MigrationError(
                f"{self.admin_email} is not an admin of the app at {self.app_url}: sign in as the stack's "
                "admin account"
            )
        self._token = str(body["access_token"])

    def import_key(self, key: str, *, merge: bool = True, share_with: str | None = None) -> dict[str, Any]:
        """Ask the app to import the uploaded file; returns its report (a DatabaseReport as JSON)."""
        if not self._token:
            self.login()
        status, body = self._send(
            "POST",
            IMPORT_PATH,
            {"key": key, "merge": merge, "share_with": share_with},
            {"Authorization": f"Bearer {self._token}"},
        )
        if status == 200 and isinstance(body, dict):
            return body
        detail = _detail(body)
        if status == 403:
            raise MigrationError(
                f"{self.admin_email} may not import into the app at {self.app_url}: sign in as the "
                "stack's admin account"
            )
        if status in (404, 405) and not detail.startswith("There is no"):
            raise MigrationError(
                f"the app at {self.app_url} has no metadata import yet: update it "
                "(story-analytics deploy --aws --update), then run the migration again"
            )
        if status in (502, 503, 504) and not detail:
            raise MigrationError(
                f"the app at {self.app_url} did not answer in time (HTTP {status}); it may still finish the "
                "import: run the migration again in a minute (it merges and verifies, nothing is duplicated)"
            )
        raise MigrationError(
            f"the app at {self.app_url} refused the import (HTTP {status}): {detail or 'no reason given'}"
        )


def snapshot_sqlite(sqlite_path: str | os.PathLike[str]) -> bytes:
    """A consistent copy of the local database (SQLite's backup API: safe while the local app runs)."""
    path = Path(sqlite_path)
    if not path.is_file():
        raise MigrationError(f"the local database {path} does not exist: pass the data folder's metadata.db")
    with open(path, "rb") as stream:
        if stream.read(16) != b"SQLite format 3\x00":
            raise MigrationError(f"{path} is not a SQLite database: pass the data folder's metadata.db")
    handle, temp = tempfile.mkstemp(prefix="sa-export-", suffix=".db")
    os.close(handle)
    try:
        source = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
        target = sqlite3.connect(temp)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return Path(temp).read_bytes()
    except sqlite3.Error as exc:
        raise MigrationError(f"cannot read the local database {path}: {exc}") from None
    finally:
        Path(temp).unlink(missing_ok=True)


def new_import_key() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{IMPORT_FOLDER}{stamp}-{secrets.token_hex(4)}-metadata.db"


def report_from_dict(body: dict[str, Any]) -> DatabaseReport:
    """The app's JSON report as a DatabaseReport, so summaries and `ok` work as in the direct path."""
    names = {f.name for f in fields(DatabaseReport)} - {"tables"}
    table_names = {f.name for f in fields(TableReport)}
    report = DatabaseReport(**{k: v for k, v in body.items() if k in names})
    report.tables = [
        TableReport(**{k: v for k, v in table.items() if k in table_names})
        for table in body.get("tables", [])
    ]
    return report


def _emit(
    on_progress: ProgressCallback | None,
    stage: str,
    kind: Literal["start", "advance", "finish"],
    description: str = "",
    **n: int,
) -> None:
    if on_progress is not None:
        on_progress(ProgressEvent(stage, kind, description=description, **n))


def upload_and_import(
    importer: AppImporter,
    *,
    sqlite_path: str | os.PathLike[str],
    storage: StorageBackend,
    merge: bool = True,
    share_with: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Upload a snapshot of the local database to the bucket, have the app import it, remove it."""
    data = snapshot_sqlite(sqlite_path)
    key = new_import_key()
    _emit(on_progress, "upload", "start", "upload metadata.db to the bucket", total=1, total_bytes=len(data))
    try:
        run_blocking(storage.write(key, data))
    except StorageError as exc:
        raise MigrationError(f"cannot upload the local database to the bucket: {exc}") from None
    _emit(on_progress, "upload", "finish")
    try:
        _emit(on_progress, "import", "start", "the app imports the metadata", total=1)
        body = importer.import_key(key, merge=merge, share_with=share_with)
        _emit(on_progress, "import", "finish")
    finally:
        # The bucket keeps no copy of the local database, whatever happened (a retry uploads again).
        with contextlib.suppress(StorageError):
            run_blocking(storage.delete(key))
    return body


def import_metadata_via_app(
    app_url: str,
    admin_email: str,
    admin_password: str,
    *,
    sqlite_path: str | os.PathLike[str],
    storage: StorageBackend,
    merge: bool = True,
    share_with: str | None = None,
    on_progress: ProgressCallback | None = None,
    verify_tls: bool | str = True,
    transport: Transport | None = None,
) -> dict[str, Any]:
    """Import a local metadata.db into the deployed app's database, through the app and its bucket.

    Returns the app's report (the DatabaseReport fields as JSON, plus `shared_with` and `shared_teams`);
    raises MigrationError with one sentence for bad credentials, an unreachable app or a refused import.
    `verify_tls` is True, False (never outside a rehearsal) or a CA bundle path.
    """
    importer = AppImporter(app_url, admin_email, admin_password, verify_tls, transport)
    importer.login()
    return upload_and_import(
        importer,
        sqlite_path=sqlite_path,
        storage=storage,
        merge=merge,
        share_with=share_with,
        on_progress=on_progress,
    )


def admin_password_from_secret(region: str | None, secret_arn: str, endpoint_url: str | None = None) -> str:
    """The stack's admin password from Secrets Manager (AdminPasswordSecretArn); never printed."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.session.Session(region_name=region).client("secretsmanager", endpoint_url=endpoint_url)
    try:
        value = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    except (ClientError, BotoCoreError, KeyError) as exc:
        raise MigrationError(
            f"cannot read the admin password secret ({type(exc).__name__}): use the credentials of the "
            "account that owns the stack, or pass the admin password"
        ) from None
    try:
        parsed = json.loads(value)
    except ValueError:
        return str(value)
    if isinstance(parsed, dict) and "password" in parsed:
        return str(parsed["password"])
    return str(value)
