"""Every outcome of copying one object, against a bucket behind botocore's Stubber (exact S3 calls).

One object per test and concurrency 1, so the calls come in a known order; a call the test did not
script is a StubResponseError, which the copier reports as a failure, so `report.ok` also proves that
no request was made beyond the scripted ones.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from storyanalytics.migrate import ProgressEvent, migrate_storage, storage_copy
from storyanalytics.migrate.storage_copy import StorageReport, migrate_storage_async
from storyanalytics.storage import (
    LocalStorageBackend,
    ObjectNotFound,
    S3StorageBackend,
    StorageBackend,
    StorageError,
)

KEY = "charts/a.json"
DATA = b'{"chart": "the local one"}'
OTHER = b'{"chart": "edited in the cloud"}'
BUCKET = "stack-bucket"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def bucket() -> Iterator[tuple[S3StorageBackend, Stubber]]:
    client = boto3.client("s3", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield S3StorageBackend(BUCKET, client=client), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def source(tmp_path: Path) -> LocalStorageBackend:
    """A data folder holding KEY."""
    (tmp_path / "data" / "charts").mkdir(parents=True)
    (tmp_path / "data" / KEY).write_bytes(DATA)
    return LocalStorageBackend(tmp_path / "data")


def listing(stubber: Stubber, objects: dict[str, tuple[int, str]], prefix: str = "") -> None:
    contents = [{"Key": key, "Size": size, "ETag": f'"{etag}"'} for key, (size, etag) in objects.items()]
    response: dict[str, Any] = {"IsTruncated": False, "KeyCount": len(contents), "Name": BUCKET}
    if contents:
        response["Contents"] = contents
    stubber.add_response("list_objects_v2", response, {"Bucket": BUCKET, "Prefix": prefix})


def head(stubber: Stubber, recorded: str | None, key: str = KEY) -> None:
    response = {"Metadata": {"sha256": recorded}} if recorded else {}  # S3 sends no Metadata without any
    stubber.add_response("head_object", response, {"Bucket": BUCKET, "Key": key})


def get(stubber: Stubber, data: bytes, recorded: str | None = None, key: str = KEY) -> None:
    response: dict[str, Any] = {"Body": StreamingBody(io.BytesIO(data), len(data))}
    if recorded:
        response["Metadata"] = {"sha256": recorded}
    stubber.add_response("get_object", response, {"Bucket": BUCKET, "Key": key})


def put(stubber: Stubber, etag: str | None = None, checksum: str | None = None, key: str = KEY) -> None:
    response: dict[str, Any] = {"ETag": f'"{etag if etag is not None else md5(DATA)}"'}
    if checksum:
        response["ChecksumSHA256"] = checksum
    expected = {
        "Bucket": BUCKET,
        "Key": key,
        "Body": DATA,
        "Metadata": {"sha256": sha(DATA)},
        "ChecksumSHA256": base64.b64encode(hashlib.sha256(DATA).digest()).decode(),
    }
    stubber.add_response("put_object", response, expected)


def copy(source: Any, target: S3StorageBackend, **options: Any) -> StorageReport:
    return migrate_storage(source, target, concurrency=1, **options)


# --- uploads ----------------------------------------------------------------------------------------
def test_new_object_is_uploaded_with_its_sha256_as_checksum_and_metadata(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)

    report = copy(source, target)

    assert report.ok and report.copied == [KEY] and report.copied_bytes == len(DATA)
    assert (report.skipped, report.repaired, report.overwritten) == ([], {}, [])


def test_upload_whose_etag_is_not_the_md5_is_read_back_and_accepted_when_equal(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber, etag="kms-encrypted-etag")
    get(stubber, DATA)

    report = copy(source, target)

    assert report.ok and report.copied == [KEY]


def test_upload_answered_without_an_etag_is_read_back(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    stubber.add_response("put_object", {})
    get(stubber, DATA)

    assert copy(source, target).ok


def test_upload_confirmed_by_its_sha256_checksum_is_not_read_back(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber, etag="kms-encrypted-etag", checksum=base64.b64encode(hashlib.sha256(DATA).digest()).decode())

    assert copy(source, target).ok


def test_upload_that_reads_back_other_bytes_fails_verification(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber, etag="kms-encrypted-etag")
    get(stubber, OTHER)

    report = copy(source, target)

    assert report.failures == {
        KEY: f"{KEY!r} failed verification: the uploaded bytes do not match the source (SHA-256 differs)"
    }
    assert report.failed_bytes == len(DATA) and report.copied == [] and not report.ok


def test_metadata_verify_fails_an_upload_whose_checksum_metadata_was_not_stored(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)
    head(stubber, None)

    report = copy(source, target, verify="metadata")

    assert report.failures == {KEY: f"{KEY!r} failed verification: its SHA-256 metadata was not stored"}


def test_metadata_verify_accepts_an_upload_whose_checksum_metadata_is_stored(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)
    head(stubber, sha(DATA))

    report = copy(source, target, verify="metadata")

    assert report.ok and report.copied == [KEY] and report.verify == "metadata"


def test_full_verify_reads_back_every_upload(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)
    get(stubber, OTHER)

    report = copy(source, target, verify="full")

    assert list(report.failures) == [KEY] and "SHA-256 differs" in report.failures[KEY]


def test_refused_upload_is_a_failure_naming_the_reason(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    stubber.add_client_error("put_object", "AccessDenied", "Access Denied", 403)

    report = copy(source, target)

    assert report.failures == {
        KEY: f"cannot write {KEY!r} in bucket {BUCKET!r}: access denied (AccessDenied); check the AWS "
        "credentials and the bucket policy"
    }


def test_keys_live_under_the_prefix_in_the_bucket(source: LocalStorageBackend) -> None:
    client = boto3.client("s3", region_name="us-east-1")
    target = S3StorageBackend(BUCKET, prefix="story", client=client)
    with Stubber(client) as stubber:
        listing(stubber, {f"story/{KEY}": (len(DATA), md5(DATA))}, prefix="story/")
        report = copy(source, target)
        stubber.assert_no_pending_responses()

    assert report.skipped == [KEY] and report.target == f"s3://{BUCKET}/story/"
    assert report.source == f"folder {source.base_dir}"


def test_upload_goes_under_the_prefix(source: LocalStorageBackend) -> None:
    client = boto3.client("s3", region_name="us-east-1")
    target = S3StorageBackend(BUCKET, prefix="story", client=client)
    with Stubber(client) as stubber:
        listing(stubber, {}, prefix="story/")
        put(stubber, key=f"story/{KEY}")
        report = copy(source, target)
        stubber.assert_no_pending_responses()

    assert report.ok and report.copied == [KEY]


def test_bucket_that_cannot_be_listed_stops_the_copy_with_the_reason(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    stubber.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403)

    with pytest.raises(
        StorageError, match=r"cannot list '\(all keys\)' in bucket 'stack-bucket': access denied"
    ):
        copy(source, target)


# --- objects already in the bucket ------------------------------------------------------------------
def test_identical_object_is_skipped_on_its_listing_alone(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), md5(DATA))})

    report = copy(source, target)

    assert report.skipped == [KEY] and report.skipped_bytes == len(DATA) and report.copied == []
    assert report.ok


def test_object_of_the_same_size_with_another_etag_is_examined_not_skipped(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    same_size = DATA.replace(b"local", b"LOCAL")
    listing(stubber, {KEY: (len(same_size), md5(same_size))})
    head(stubber, None)
    get(stubber, same_size)
    put(stubber)

    report = copy(source, target)

    assert report.repaired == {KEY: "it differs from the source and has no recorded SHA-256"}
    assert report.copied == [KEY] and report.ok


def test_object_whose_etag_is_not_an_md5_but_whose_bytes_match_is_skipped(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), "kms-encrypted-etag")})
    stubber.add_client_error("head_object", "404", "Not Found", 404)
    get(stubber, DATA)

    report = copy(source, target)

    assert report.skipped == [KEY] and report.ok


def test_object_changed_after_it_was_copied_is_repaired_without_reading_it(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    head(stubber, sha(DATA))
    put(stubber)

    report = copy(source, target)

    assert report.repaired == {
        KEY: "its bytes changed after it was copied (they no longer match its SHA-256)"
    }
    assert report.copied == [KEY] and report.copied_bytes == len(DATA)


def test_object_whose_bytes_do_not_match_its_own_checksum_is_repaired(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    head(stubber, sha(b"something else"))
    get(stubber, OTHER, recorded=sha(b"something else"))
    put(stubber)

    report = copy(source, target)

    assert report.repaired == {KEY: "its bytes do not match its own recorded SHA-256"}


def test_other_version_is_a_conflict_naming_both_checksums_and_is_kept(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    head(stubber, sha(OTHER))
    get(stubber, OTHER, recorded=sha(OTHER))

    report = copy(source, target)

    assert report.conflicts == {
        KEY: f"the target holds another version (SHA-256 {sha(OTHER)[:12]}…, source {sha(DATA)[:12]}…); "
        "pass overwrite=True to replace it"
    }
    assert report.conflict_bytes == len(DATA) and report.copied == [] and not report.ok


def test_overwrite_replaces_the_other_version(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    head(stubber, sha(OTHER))
    get(stubber, OTHER, recorded=sha(OTHER))
    put(stubber)

    report = copy(source, target, overwrite=True)

    assert report.overwritten == [KEY] and report.copied == [KEY] and report.repaired == {}
    assert report.ok


def test_metadata_verify_skips_a_matching_object_whose_checksum_metadata_is_right(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), md5(DATA))})
    head(stubber, sha(DATA))

    report = copy(source, target, verify="metadata")

    assert report.skipped == [KEY] and report.ok


def test_metadata_verify_rewrites_a_matching_object_without_checksum_metadata(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), md5(DATA))})
    head(stubber, None)
    put(stubber)
    head(stubber, sha(DATA))

    report = copy(source, target, verify="metadata")

    assert report.repaired == {KEY: "its bytes match but its recorded SHA-256 is missing or stale"}


def test_full_verify_reads_a_matching_object_and_skips_it_on_its_bytes(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), md5(DATA))})
    get(stubber, DATA)

    report = copy(source, target, verify="full")

    assert report.skipped == [KEY] and report.ok


def test_object_that_cannot_be_checked_is_a_failure_naming_the_reason(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    stubber.add_client_error("head_object", "403", "Forbidden", 403)

    report = copy(source, target)

    assert report.failures == {
        KEY: f"cannot check {KEY!r} in bucket {BUCKET!r}: access denied (403); check the AWS credentials "
        "and the bucket policy"
    }
    assert report.failed_bytes == len(DATA)


def test_object_that_cannot_be_read_is_a_failure_naming_the_reason(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    head(stubber, None)
    stubber.add_client_error("get_object", "InternalError", "We encountered an internal error", 500)

    report = copy(source, target)

    assert report.failures == {
        KEY: f"cannot read {KEY!r} in bucket {BUCKET!r}: We encountered an internal error"
    }


def test_dry_run_reports_what_it_would_do_and_writes_nothing(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(OTHER), md5(OTHER))})
    head(stubber, sha(DATA))
    events: list[ProgressEvent] = []

    report = copy(source, target, dry_run=True, on_progress=events.append)

    assert report.dry_run and list(report.repaired) == [KEY] and report.copied == [KEY]
    assert events[0].description == "dry run: files"


# --- the source side ----------------------------------------------------------------------------------
class VanishingFolder(LocalStorageBackend):
    """A folder whose listing names a file deleted before it is read."""

    async def list(self, prefix: str = "") -> list[str]:
        return sorted([*await super().list(prefix), "charts/gone.json"])


def test_source_file_that_vanished_is_a_failure_and_counts_no_bytes(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)
    events: list[ProgressEvent] = []

    report = copy(VanishingFolder(source.base_dir), target, on_progress=events.append)

    assert report.failures == {
        "charts/gone.json": f"no object 'charts/gone.json' in folder {source.base_dir}"
    }
    assert report.failed_bytes == 0 and report.copied == [KEY]
    assert (events[0].description, events[0].total, events[0].total_bytes) == ("files", 2, len(DATA))
    assert sorted(event.advance_bytes for event in events if event.kind == "advance") == [0, len(DATA)]


class Memory(StorageBackend):
    """A source that is not a local folder (the copier takes its event-loop path); lists a ghost too."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    async def read(self, path: str) -> bytes:
        if path not in self.objects:
            raise ObjectNotFound(f"no object {path!r} in memory")
        return self.objects[path]

    async def write(self, path: str, data: bytes) -> None:
        raise AssertionError("the source is never written")

    async def delete(self, path: str) -> None:
        raise AssertionError("the source is never deleted from")

    async def list(self, prefix: str = "") -> list[str]:
        return sorted([*self.objects, "charts/gone.json"])

    async def exists(self, path: str) -> bool:
        return path in self.objects

    def describe(self) -> str:
        return "memory"


def test_copy_from_another_kind_of_source_is_verified_the_same_way(
    bucket: tuple[S3StorageBackend, Stubber],
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)

    report = copy(Memory({KEY: DATA}), target)

    assert report.copied == [KEY] and report.copied_bytes == len(DATA)
    assert report.failures == {"charts/gone.json": "no object 'charts/gone.json' in memory"}
    assert report.source == "memory" and report.failed_bytes == 0


def test_copy_from_another_kind_of_source_reports_progress_as_objects_finish(
    bucket: tuple[S3StorageBackend, Stubber],
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), md5(DATA))})
    head(stubber, sha(DATA))
    events: list[ProgressEvent] = []

    report = copy(Memory({KEY: DATA}), target, on_progress=events.append, verify="metadata")

    assert report.skipped == [KEY] and (report.target, report.verify) == (f"s3://{BUCKET}/", "metadata")
    assert [(e.stage, e.kind, e.total, e.advance, e.advance_bytes) for e in events] == [
        ("objects", "start", 2, 0, 0),
        ("objects", "advance", 0, 1, 0),
        ("objects", "advance", 0, 1, 0),
        ("objects", "finish", 0, 0, 0),
    ]


def test_copy_from_another_kind_of_source_copies_only_what_is_included(
    bucket: tuple[S3StorageBackend, Stubber],
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    put(stubber)

    report = copy(Memory({KEY: DATA}), target, include=lambda key: key == KEY)

    assert report.copied == [KEY] and report.failures == {}


# --- between folders (no recorded checksums) ----------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path) -> LocalStorageBackend:
    return LocalStorageBackend(tmp_path / "copy")


def _write(target: LocalStorageBackend, data: bytes) -> None:
    asyncio.run(target.write(KEY, data))


def _read(target: LocalStorageBackend) -> bytes:
    return asyncio.run(target.read(KEY))


def test_folder_copy_skips_a_file_already_there_with_the_same_bytes(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    _write(folder, DATA)

    report = migrate_storage(source, folder)

    assert report.skipped == [KEY] and report.copied == [] and report.ok


def test_folder_copy_never_repairs_a_different_file_it_calls_it_a_conflict(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    _write(folder, OTHER)

    report = migrate_storage(source, folder)

    assert report.conflicts == {
        KEY: "it differs from the source and has no recorded SHA-256; pass overwrite=True to replace it"
    }
    assert report.repaired == {} and _read(folder) == OTHER


def test_folder_copy_overwrites_a_different_file_when_asked(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    _write(folder, OTHER)

    report = migrate_storage(source, folder, overwrite=True)

    assert report.overwritten == [KEY] and _read(folder) == DATA


def test_folder_copy_dry_run_writes_nothing(source: LocalStorageBackend, folder: LocalStorageBackend) -> None:
    report = migrate_storage(source, folder, dry_run=True)

    assert report.copied == [KEY] and report.dry_run
    assert asyncio.run(folder.list()) == []


class ListsAGhost(LocalStorageBackend):
    """A target whose listing still names a file that is gone when read."""

    async def list(self, prefix: str = "") -> list[str]:
        return [KEY]


def test_folder_copy_writes_a_listed_file_that_is_gone_when_read(
    source: LocalStorageBackend, tmp_path: Path
) -> None:
    target = ListsAGhost(tmp_path / "copy")

    report = migrate_storage(source, target)

    assert report.copied == [KEY] and report.ok and _read(target) == DATA


class Corrupting(LocalStorageBackend):
    """A target that stores other bytes than it was given."""

    async def write(self, path: str, data: bytes) -> None:
        await super().write(path, data[::-1])


def test_folder_copy_that_reads_back_other_bytes_fails_verification(
    source: LocalStorageBackend, tmp_path: Path
) -> None:
    report = migrate_storage(source, Corrupting(tmp_path / "copy"))

    assert report.failures == {
        KEY: f"{KEY!r} failed verification: the written bytes do not match the source (SHA-256 differs)"
    }


# --- calling it ---------------------------------------------------------------------------------------
def test_copy_runs_inside_a_running_event_loop_like_a_notebook(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    async def notebook_cell() -> StorageReport:
        return migrate_storage(source, folder)

    assert asyncio.run(notebook_cell()).copied == [KEY]


def test_async_copy_writes_keeps_conflicts_and_copies_only_what_is_included(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    asyncio.run(source.write("charts/b.json", b"b"))
    asyncio.run(source.write("charts/c.json", b"c"))
    _write(folder, OTHER)
    events: list[ProgressEvent] = []

    report = asyncio.run(
        migrate_storage_async(
            source, folder, on_progress=events.append, include=lambda key: key != "charts/c.json"
        )
    )

    assert list(report.conflicts) == [KEY] and report.copied == ["charts/b.json"]
    assert asyncio.run(folder.list()) == [KEY, "charts/b.json"] and _read(folder) == OTHER
    seen = [(e.kind, e.total_bytes, e.advance_bytes) for e in events]
    assert seen[0] == ("start", len(DATA) + 1, 0) and seen[3:] == [("finish", 0, 0)]
    assert sorted(seen[1:3]) == [("advance", 0, 1), ("advance", 0, len(DATA))]


def test_async_copy_to_a_bucket_from_a_folder_takes_the_threaded_path_with_the_same_options(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    asyncio.run(source.write("charts/b.json", b"b"))
    listing(stubber, {})
    put(stubber)

    report = asyncio.run(migrate_storage_async(source, target, concurrency=1, include=lambda key: key == KEY))

    assert report.copied == [KEY] and report.ok


def test_async_copy_overwrites_when_asked(source: LocalStorageBackend, folder: LocalStorageBackend) -> None:
    _write(folder, OTHER)

    report = asyncio.run(migrate_storage_async(source, folder, overwrite=True))

    assert report.overwritten == [KEY] and _read(folder) == DATA


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"concurrency": 0}, r"^concurrency must be at least 1$"),
        ({"verify": "md5"}, r"^verify='md5' is unknown: use 'etag', 'metadata' or 'full'$"),
    ],
)
def test_bad_options_are_refused_before_anything_is_read(
    folder: LocalStorageBackend, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        migrate_storage(folder, folder, **options)


def test_report_lists_sorted_keys_and_counts_every_outcome() -> None:
    report = StorageReport("a", "b", copied=["z", "y"], skipped=["d", "c"], overwritten=["z"])
    report.repaired["y"] = "damaged"
    report.conflicts["x"] = "other version"
    report.failures["w"] = "denied"

    data = report.to_dict()

    assert (data["copied"], data["skipped"], data["overwritten"]) == (["y", "z"], ["c", "d"], ["z"])
    assert data["counts"] == {
        "copied": 2,
        "repaired": 1,
        "overwritten": 1,
        "skipped": 2,
        "conflicts": 1,
        "failed": 1,
    }
    assert (data["dry_run"], data["verify"]) == (False, "etag")


@pytest.mark.parametrize("problem", ["conflicts", "failures"])
def test_report_is_not_ok_while_a_conflict_or_failure_remains(problem: str) -> None:
    report = StorageReport("a", "b")
    assert report.ok
    getattr(report, problem)["k"] = "why"
    assert not report.ok


def test_copy_to_a_bucket_reports_each_object_with_its_bytes_then_finishes(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    asyncio.run(source.write("settings.json", b"{}"))
    listing(stubber, {KEY: (len(DATA), md5(DATA)), "settings.json": (2, md5(b"{}"))})
    events: list[ProgressEvent] = []

    copy(source, target, on_progress=events.append)

    seen = [(e.stage, e.kind, e.total, e.total_bytes, e.advance, e.advance_bytes) for e in events]
    assert seen[0] == ("objects", "start", 2, len(DATA) + 2, 0, 0)
    assert sorted(seen[1:3]) == [
        ("objects", "advance", 0, 0, 1, 2),
        ("objects", "advance", 0, 0, 1, len(DATA)),
    ]
    assert seen[3:] == [("objects", "finish", 0, 0, 0, 0)]


@pytest.mark.parametrize("kind", ["folder", "other"])
def test_report_gives_the_copy_time_in_seconds_to_the_millisecond(
    source: LocalStorageBackend,
    bucket: tuple[S3StorageBackend, Stubber],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    target, stubber = bucket
    listing(stubber, {KEY: (len(DATA), md5(DATA))})
    ticks = iter([100.0, 102.34567])
    monkeypatch.setattr(storage_copy, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))

    report = copy(source if kind == "folder" else Memory({KEY: DATA}), target)

    assert report.seconds == 2.346


def test_report_adds_up_the_bytes_of_every_object_per_outcome(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    files = {"charts/same-1.json": b"s1", "charts/same-2.json": b"s22", "charts/new-1.json": b"n1"}
    files |= {"charts/new-2.json": b"n22", "charts/edit-1.json": b"e1", "charts/edit-2.json": b"e22"}
    for key, data in files.items():
        asyncio.run(source.write(key, data))
        if "new" not in key:
            asyncio.run(folder.write(key, data if "same" in key else data + b"!"))

    report = migrate_storage(source, folder, include=lambda key: key != KEY)

    assert (report.skipped_bytes, report.copied_bytes, report.conflict_bytes) == (5, 5, 5)


def test_report_adds_up_the_bytes_of_every_failed_object(source: LocalStorageBackend, tmp_path: Path) -> None:
    asyncio.run(source.write("charts/b.json", b"ab"))  # stored reversed: b"ba"

    report = migrate_storage(source, Corrupting(tmp_path / "copy"))

    assert report.failed_bytes == len(DATA) + 2


def test_folder_copy_copies_only_what_is_included(
    source: LocalStorageBackend, folder: LocalStorageBackend
) -> None:
    asyncio.run(source.write("charts/b.json", b"b"))

    report = migrate_storage(source, folder, include=lambda key: key == "charts/b.json")

    assert report.copied == ["charts/b.json"] and asyncio.run(folder.list()) == ["charts/b.json"]


def test_copy_to_a_bucket_copies_only_what_is_included(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    asyncio.run(source.write("charts/b.json", b"b"))
    listing(stubber, {})
    put(stubber)

    report = copy(source, target, include=lambda key: key == KEY)

    assert report.copied == [KEY] and report.ok


class SlowFolder(LocalStorageBackend):
    """A folder whose reads take a while and count how many run at once."""

    delay = 0.2

    def __init__(self, base_dir: Path) -> None:
        super().__init__(base_dir)
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.reads: list[str] = []

    def _read_sync(self, key: str, path: str | Path) -> bytes:
        with self.lock:
            self.reads.append(key)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.delay)
        with self.lock:
            self.running -= 1
        return super()._read_sync(key, path)


def test_copy_to_a_bucket_runs_at_most_the_given_number_of_objects_at_once(
    source: LocalStorageBackend, bucket: tuple[S3StorageBackend, Stubber]
) -> None:
    target, stubber = bucket
    for n in range(5):
        asyncio.run(source.write(f"charts/copy-{n}.json", DATA))
    listing(stubber, {})
    for _ in range(6):
        stubber.add_response("put_object", {"ETag": f'"{md5(DATA)}"'})
    slow = SlowFolder(source.base_dir)

    report = migrate_storage(slow, target, concurrency=2)

    assert len(report.copied) == 6 and slow.most <= 2


def test_async_dry_run_writes_nothing(source: LocalStorageBackend, folder: LocalStorageBackend) -> None:
    report = asyncio.run(migrate_storage_async(source, folder, dry_run=True))

    assert report.copied == [KEY] and report.dry_run
    assert asyncio.run(folder.list()) == []


class Stop(Exception):
    """Stands for Ctrl-C while files are being uploaded."""


class AllSlowButKey(SlowFolder):
    """A folder where every file but KEY takes half a second to read: time enough to stop the copy."""

    delay = 0.5

    def _read_sync(self, key: str, path: str | Path) -> bytes:
        if key != KEY:
            return super()._read_sync(key, path)
        with self.lock:
            self.reads.append(key)
        return LocalStorageBackend._read_sync(self, key, path)


def _stop_at_first_file(event: ProgressEvent) -> None:
    if event.kind == "advance":
        raise Stop


def _stopped_copy_to_a_bucket(source: LocalStorageBackend) -> AllSlowButKey:
    """Copy KEY and five slow files two at a time, stopped when KEY is done."""
    asyncio.run(source.write("charts/b-slow.json", DATA))
    for n in range(4):
        asyncio.run(source.write(f"charts/queued-{n}.json", DATA))
    client = boto3.client("s3", region_name="us-east-1")
    with Stubber(client) as stubber:
        listing(stubber, {})
        for _ in range(6):
            stubber.add_response("put_object", {"ETag": f'"{md5(DATA)}"'})
        folder = AllSlowButKey(source.base_dir)
        with pytest.raises(Stop):
            target = S3StorageBackend(BUCKET, client=client)
            migrate_storage(folder, target, concurrency=2, on_progress=_stop_at_first_file)
    return folder


def test_a_copy_to_a_bucket_stopped_by_the_user_uploads_none_of_the_files_still_queued(
    source: LocalStorageBackend,
) -> None:
    folder = _stopped_copy_to_a_bucket(source)

    # KEY and b-slow were under way; of the four queued, at most the one that took KEY's place started.
    assert not {f"charts/queued-{n}.json" for n in (1, 2, 3)} & set(folder.reads)


def test_a_copy_to_a_bucket_stopped_by_the_user_returns_only_once_no_upload_is_running(
    source: LocalStorageBackend,
) -> None:
    folder = _stopped_copy_to_a_bucket(source)

    assert folder.running == 0


def test_a_copy_from_another_kind_of_source_stopped_by_the_user_returns_only_once_no_upload_is_running(
    bucket: tuple[S3StorageBackend, Stubber],
) -> None:
    target, stubber = bucket
    listing(stubber, {})
    stubber.add_response("put_object", {"ETag": f'"{md5(DATA)}"'})
    running: list[str] = []
    put_object = target.client.put_object

    def slow_put(**request: Any) -> Any:
        running.append(request["Key"])
        time.sleep(0.5)
        answer = put_object(**request)
        running.remove(request["Key"])
        return answer

    target.client.put_object = slow_put  # type: ignore[method-assign]

    # Two at a time: the ghost fails at once, which stops the copy while the other file uploads.
    with pytest.raises(Stop):
        migrate_storage(
            Memory({"charts/b-slow.json": DATA}), target, concurrency=2, on_progress=_stop_at_first_file
        )

    stubber.assert_no_pending_responses()  # the upload under way had finished
    assert running == []
