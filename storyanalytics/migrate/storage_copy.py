"""Copy every object from one storage to another: verified, resumable, never overwriting silently.

How an object already in the target is judged (S3 target, `verify="etag"`, the default):
the target is listed once (one request per 1,000 keys). An object whose size and ETag equal the
source's size and MD5 is identical and skipped: for a single-part PUT, S3 computes the ETag itself
from the bytes it stores, so it cannot be fooled by stale metadata. Any other object is examined:
- its `sha256` metadata equals the source's SHA-256 but its bytes differ -> our copy was damaged
  behind our back (bytes replaced, metadata kept): it is recopied ("repaired");
- otherwise its bytes are read and hashed: equal to the source -> identical (an ETag that is not an
  MD5, e.g. SSE-KMS); no `sha256` metadata, or metadata that does not match its own bytes ->
  damaged, recopied; metadata matching its own bytes -> a genuine other version (e.g. edited in the
  cloud app): a conflict, overwritten only with `overwrite=True`.
`verify="metadata"` also HEADs every present object and every upload and requires the `sha256`
metadata to match (objects with the right bytes but missing metadata are rewritten);
`verify="full"` downloads and hashes every present object and every upload (slowest, trusts no
header at all).

Every upload is verified: the PUT sends the SHA-256 as `x-amz-checksum-sha256` (S3 rejects a body
that does not match it) and as the `sha256` metadata, and the ETag S3 returns must equal the
source's MD5; when it cannot (SSE-KMS), the object is read back and hashed. Non-S3 targets are read
back and hashed after each write.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.migrate.progress import ProgressCallback, ProgressEvent
from storyanalytics.storage import (
    LocalStorageBackend,
    ObjectNotFound,
    S3StorageBackend,
    StorageBackend,
    StorageError,
)
from storyanalytics.storage.s3 import SHA256_METADATA_KEY

Verify = Literal["etag", "metadata", "full"]
Action = Literal["copied", "repaired", "overwritten", "skipped", "conflict", "failed"]
T = TypeVar("T")


@dataclass
class StorageReport:
    """What a storage migration did (or, in a dry run, would do).

    `copied` lists every object written: new ones plus the `repaired` (damaged copies replaced)
    and the `overwritten` (conflicts replaced because overwrite=True).
    """

    source: str
    target: str
    dry_run: bool = False
    verify: str = "etag"
    copied: list[str] = field(default_factory=list)
    repaired: dict[str, str] = field(default_factory=dict)
    overwritten: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conflicts: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    copied_bytes: int = 0
    skipped_bytes: int = 0
    conflict_bytes: int = 0
    failed_bytes: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Everything is in the target, verified (conflicts and failures need the user)."""
        return not self.failures and not self.conflicts

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("copied", "skipped", "overwritten"):
            data[name] = sorted(data[name])
        data["counts"] = {
            "copied": len(self.copied),
            "repaired": len(self.repaired),
            "overwritten": len(self.overwritten),
            "skipped": len(self.skipped),
            "conflicts": len(self.conflicts),
            "failed": len(self.failures),
        }
        return data

    def _record(self, outcome: _Outcome) -> None:
        if outcome.action == "skipped":
            self.skipped.append(outcome.key)
            self.skipped_bytes += outcome.size
        elif outcome.action == "conflict":
            self.conflicts[outcome.key] = outcome.reason
            self.conflict_bytes += outcome.size
        elif outcome.action == "failed":
            self.failures[outcome.key] = outcome.reason
            self.failed_bytes += outcome.size
        else:
            self.copied.append(outcome.key)
            self.copied_bytes += outcome.size
            if outcome.action == "repaired":
                self.repaired[outcome.key] = outcome.reason
            elif outcome.action == "overwritten":
                self.overwritten.append(outcome.key)


@dataclass(frozen=True)
class _Outcome:
    key: str
    action: Action
    size: int
    reason: str = ""


class _Source:
    """One source object; its checksums are computed when first needed (a skip needs only the MD5)."""

    def __init__(self, key: str, data: bytes) -> None:
        self.key = key
        self.data = data

    @classmethod
    def of(cls, key: str, data: bytes) -> _Source:
        return cls(key, data)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()


class _VerificationFailed(Exception):
    pass


def _failed(key: str, size: int, exc: Exception) -> _Outcome:
    # Storage errors already name the key and bucket; verification failures do not.
    reason = str(exc) if isinstance(exc, StorageError) else f"{key!r} failed verification: {exc}"
    return _Outcome(key, "failed", size, reason)


# --- the S3 target: listing once, head/get only where needed --------------------------------------
@dataclass(frozen=True)
class _Listed:
    size: int
    etag: str


class _S3Target:
    """Talks to the bucket below the StorageBackend interface, for speed; same keys and errors."""

    def __init__(self, backend: S3StorageBackend, verify: Verify) -> None:
        self.backend = backend
        self.client = backend.client
        self.verify = verify

    def inventory(self) -> dict[str, _Listed]:
        prefix = self.backend.prefix + "/" if self.backend.prefix else ""
        found: dict[str, _Listed] = {}
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.backend.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    found[item["Key"][len(prefix) :]] = _Listed(item["Size"], item["ETag"].strip('"'))
        except (ClientError, BotoCoreError) as exc:
            raise self.backend._error("list", "(all keys)", exc) from None
        return found

    def _head(self, key: str) -> dict[str, str] | None:
        try:
            head = self.client.head_object(Bucket=self.backend.bucket, Key=self.backend._object_key(key))
        except (ClientError, BotoCoreError) as exc:
            error = self.backend._error("check", key, exc)
            if isinstance(error, ObjectNotFound):
                return None
            raise error from None
        return dict(head.get("Metadata", {}))

    def _get(self, key: str) -> tuple[bytes, str | None]:
        try:
            response = self.client.get_object(Bucket=self.backend.bucket, Key=self.backend._object_key(key))
            return response["Body"].read(), response.get("Metadata", {}).get(SHA256_METADATA_KEY)
        except (ClientError, BotoCoreError) as exc:
            raise self.backend._error("read", key, exc) from None

    def compare(self, source: _Source, listed: _Listed) -> tuple[str, str]:
        """("identical" | "damaged" | "different", why) for an object present in the target."""
        same_etag = listed.size == len(source.data) and listed.etag == source.md5
        if self.verify == "full":
            data, recorded = self._get(source.key)
        else:
            if same_etag and self.verify == "etag":
                return "identical", ""
            recorded = (self._head(source.key) or {}).get(SHA256_METADATA_KEY)
            if same_etag:
                if recorded == source.sha256:
                    return "identical", ""
                return "damaged", "its bytes match but its recorded SHA-256 is missing or stale"
            if recorded == source.sha256:
                return "damaged", "its bytes changed after it was copied (they no longer match its SHA-256)"
            data, recorded = self._get(source.key)
        return _judge(source, data, recorded)

    def put(self, source: _Source) -> None:
        sha_b64 = base64.b64encode(bytes.fromhex(source.sha256)).decode()
        try:
            response = self.client.put_object(
                Bucket=self.backend.bucket,
                Key=self.backend._object_key(source.key),
                Body=source.data,
                Metadata={SHA256_METADATA_KEY: source.sha256},
                ChecksumSHA256=sha_b64,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self.backend._error("write", source.key, exc) from None
        confirmed = response.get("ETag", "").strip('"') == source.md5 or (
            response.get("ChecksumSHA256") == sha_b64
        )
        if self.verify == "metadata":
            recorded = (self._head(source.key) or {}).get(SHA256_METADATA_KEY)
            if recorded != source.sha256:
                raise _VerificationFailed("its SHA-256 metadata was not stored")
        if self.verify == "full" or not confirmed:
            data, _ = self._get(source.key)
            if hashlib.sha256(data).hexdigest() != source.sha256:
                raise _VerificationFailed("the uploaded bytes do not match the source (SHA-256 differs)")


def _judge(source: _Source, data: bytes, recorded: str | None) -> tuple[str, str]:
    """Classify a present object from its actual bytes and its recorded SHA-256."""
    actual = hashlib.sha256(data).hexdigest()
    if actual == source.sha256:
        return "identical", ""
    if recorded is None:
        return "damaged", "it differs from the source and has no recorded SHA-256"
    if recorded != actual:
        return "damaged", "its bytes do not match its own recorded SHA-256"
    return (
        "different",
        f"the target holds another version (SHA-256 {actual[:12]}…, source {source.sha256[:12]}…)",
    )


# --- the copier -----------------------------------------------------------------------------------
class _Copier:
    def __init__(
        self,
        source: StorageBackend,
        target: StorageBackend,
        *,
        dry_run: bool,
        overwrite: bool,
        verify: Verify,
        concurrency: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.source = source
        self.target = target
        self.dry_run = dry_run
        self.overwrite = overwrite
        self.verify = verify
        self.on_progress = on_progress
        self.s3 = _S3Target(target, verify) if isinstance(target, S3StorageBackend) else None
        self.pool = concurrent.futures.ThreadPoolExecutor(concurrency, thread_name_prefix="sa-migrate")
        self.semaphore = asyncio.Semaphore(concurrency)

    async def _blocking(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)

    async def inventory(self) -> dict[str, _Listed | None]:
        if self.s3 is not None:
            return dict(await self._blocking(self.s3.inventory))
        return dict.fromkeys(await self.target.list())

    async def copy_one(self, key: str, present: bool, listed: _Listed | None) -> _Outcome:
        async with self.semaphore:
            try:
                data = await self.source.read(key)
            except StorageError as exc:
                return _Outcome(key, "failed", 0, str(exc))
            try:
                if self.s3 is not None:
                    return await self._blocking(self._copy_s3, key, data, listed)
                return await self._copy_generic(key, data, present)
            except (StorageError, _VerificationFailed) as exc:
                return _failed(key, len(data), exc)

    def _decide(self, source: _Source, verdict: str, why: str) -> _Outcome | Action:
        """What to do with a present object: an outcome to report, or the kind of write to make."""
        if verdict == "identical":
            return _Outcome(source.key, "skipped", len(source.data))
        if verdict == "damaged":
            return "repaired"
        if not self.overwrite:
            return _Outcome(
                source.key, "conflict", len(source.data), f"{why}; pass overwrite=True to replace it"
            )
        return "overwritten"

    def _copy_s3(self, key: str, data: bytes, listed: _Listed | None) -> _Outcome:
        assert self.s3 is not None
        source = _Source.of(key, data)
        action: Action = "copied"
        why = ""
        if listed is not None:
            verdict, why = self.s3.compare(source, listed)
            decision = self._decide(source, verdict, why)
            if isinstance(decision, _Outcome):
                return decision
            action = decision
        if not self.dry_run:
            self.s3.put(source)
        return _Outcome(key, action, len(data), why)

    async def _copy_generic(self, key: str, data: bytes, present: bool) -> _Outcome:
        source = _Source.of(key, data)
        action: Action = "copied"
        why = ""
        if present:
            try:
                existing = await self.target.read(key)
                verdict, why = _judge(source, existing, None)
            except ObjectNotFound:
                verdict = "missing"
            if verdict != "missing":
                # Without recorded checksums, any difference may be a real edit: never repair silently.
                verdict = "different" if verdict == "damaged" else verdict
                decision = self._decide(source, verdict, why)
                if isinstance(decision, _Outcome):
                    return decision
                action = decision
        if not self.dry_run:
            await self.target.write(key, data)
            if hashlib.sha256(await self.target.read(key)).hexdigest() != source.sha256:
                raise _VerificationFailed("the written bytes do not match the source (SHA-256 differs)")
        return _Outcome(key, action, len(data), why)

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    @property
    def threaded(self) -> bool:
        """Local folder -> S3: plain threads, no event loop hop per object (the common, big case)."""
        return self.s3 is not None and isinstance(self.source, LocalStorageBackend)

    def _copy_local_file(self, key: str, listed: _Listed | None) -> _Outcome:
        assert isinstance(self.source, LocalStorageBackend)
        try:
            data = self.source._read_sync(key, self.source._path_for(key))
        except StorageError as exc:
            return _Outcome(key, "failed", 0, str(exc))
        try:
            return self._copy_s3(key, data, listed)
        except (StorageError, _VerificationFailed) as exc:
            return _failed(key, len(data), exc)

    def _start(self, keys: list[str]) -> dict[str, int]:
        sizes = _local_sizes(self.source, keys)
        description = "dry run: files" if self.dry_run else "files"
        total_bytes = sum(sizes.values())
        self._emit(
            ProgressEvent(
                "objects", "start", total=len(keys), total_bytes=total_bytes, description=description
            )
        )
        return sizes

    def run_threaded(self, include: Callable[[str], bool] | None) -> StorageReport:
        assert self.s3 is not None
        started = time.perf_counter()
        report = StorageReport(
            self.source.describe(), self.target.describe(), dry_run=self.dry_run, verify=self.verify
        )
        try:
            keys = [key for key in run_blocking(self.source.list()) if include is None or include(key)]
            present = self.s3.inventory()
            sizes = self._start(keys)
            futures = [self.pool.submit(self._copy_local_file, key, present.get(key)) for key in keys]
            for finished in concurrent.futures.as_completed(futures):
                outcome = finished.result()
                report._record(outcome)
                self._emit(
                    ProgressEvent("objects", "advance", advance=1, advance_bytes=sizes.get(outcome.key, 0))
                )
            self._emit(ProgressEvent("objects", "finish"))
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    async def run(self, include: Callable[[str], bool] | None) -> StorageReport:
        if self.threaded:
            return await asyncio.get_running_loop().run_in_executor(None, self.run_threaded, include)
        started = time.perf_counter()
        report = StorageReport(
            self.source.describe(), self.target.describe(), dry_run=self.dry_run, verify=self.verify
        )
        try:
            keys = [key for key in await self.source.list() if include is None or include(key)]
            present = await self.inventory()
            sizes = self._start(keys)
            tasks = [
                asyncio.ensure_future(self.copy_one(key, key in present, present.get(key))) for key in keys
            ]
            for finished in asyncio.as_completed(tasks):
                outcome = await finished
                report._record(outcome)
                self._emit(
                    ProgressEvent("objects", "advance", advance=1, advance_bytes=sizes.get(outcome.key, 0))
                )
            self._emit(ProgressEvent("objects", "finish"))
        finally:
            self.pool.shutdown(wait=True)
        report.seconds = round(time.perf_counter() - started, 3)
        return report


def _local_sizes(source: StorageBackend, keys: list[str]) -> dict[str, int]:
    """File sizes for the byte bar; other sources report bytes only as objects finish."""
    if not isinstance(source, LocalStorageBackend):
        return {}
    sizes: dict[str, int] = {}
    for key in keys:
        try:
            sizes[key] = (source.base_dir / key).stat().st_size
        except OSError:
            sizes[key] = 0
    return sizes


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from plain code, also inside Jupyter's running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        return runner.submit(asyncio.run, coroutine).result()


async def migrate_storage_async(
    source: StorageBackend,
    target: StorageBackend,
    *,
    dry_run: bool = False,
    concurrency: int = 16,
    on_progress: ProgressCallback | None = None,
    overwrite: bool = False,
    verify: Verify = "etag",
    include: Callable[[str], bool] | None = None,
) -> StorageReport:
    """The async form of `migrate_storage`, for callers already inside an event loop."""
    copier = _make_copier(source, target, dry_run, overwrite, verify, concurrency, on_progress)
    return await copier.run(include)


def migrate_storage(
    source: StorageBackend,
    target: StorageBackend,
    *,
    dry_run: bool = False,
    concurrency: int = 16,
    on_progress: ProgressCallback | None = None,
    overwrite: bool = False,
    verify: Verify = "etag",
    include: Callable[[str], bool] | None = None,
) -> StorageReport:
    """Copy every key of `source` (that `include` accepts) into `target`, verifying each upload.

    Objects already there with the same content are skipped, so a second run copies nothing and an
    interrupted run copies only what is missing; damaged copies are recopied; other versions are
    conflicts unless `overwrite=True`. `dry_run` writes nothing and reports what would happen.
    See the module docstring for how objects are compared and verified.
    """
    copier = _make_copier(source, target, dry_run, overwrite, verify, concurrency, on_progress)
    if copier.threaded:
        return copier.run_threaded(include)
    return run_blocking(copier.run(include))


def _make_copier(
    source: StorageBackend,
    target: StorageBackend,
    dry_run: bool,
    overwrite: bool,
    verify: Verify,
    concurrency: int,
    on_progress: ProgressCallback | None,
) -> _Copier:
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if verify not in ("etag", "metadata", "full"):
        raise ValueError(f"verify={verify!r} is unknown: use 'etag', 'metadata' or 'full'")
    return _Copier(
        source,
        target,
        dry_run=dry_run,
        overwrite=overwrite,
        verify=verify,
        concurrency=concurrency,
        on_progress=on_progress,
    )
