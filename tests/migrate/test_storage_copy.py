"""Objects already in the bucket: skipped when identical, repaired when damaged, kept when another version."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from migrate_helpers import LocalInstall, bucket_files, local_files

from storyanalytics.migrate import ProgressEvent, migrate_storage
from storyanalytics.storage import LocalStorageBackend, S3StorageBackend


@pytest.fixture
def copied(local_install: LocalInstall, s3_target: S3StorageBackend) -> LocalStorageBackend:
    source = LocalStorageBackend(local_install.data_dir)
    report = migrate_storage(source, s3_target, include=lambda key: key != "metadata.db")
    assert report.ok and report.copied
    return source


def _chart_key(local_install: LocalInstall, index: int) -> str:
    return f"charts/{local_install.chart_ids[index]}.json"


def _expected(local_install: LocalInstall) -> dict[str, bytes]:
    return local_files(local_install.data_dir)


def test_bytes_replaced_behind_our_back_with_stale_metadata_are_recopied(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend, moto_server: str
) -> None:
    key = _chart_key(local_install, 0)
    original_sha = hashlib.sha256((local_install.data_dir / key).read_bytes()).hexdigest()
    s3_target.client.put_object(
        Bucket=s3_target.bucket, Key=key, Body=b'{"damaged": true}', Metadata={"sha256": original_sha}
    )

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db")

    assert list(report.repaired) == [key]
    assert "changed after it was copied" in report.repaired[key]
    assert report.copied == [key]
    assert bucket_files(moto_server, s3_target.bucket) == _expected(local_install)


def test_object_without_recorded_checksum_that_differs_is_recopied(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend, moto_server: str
) -> None:
    key = _chart_key(local_install, 1)
    s3_target.client.put_object(Bucket=s3_target.bucket, Key=key, Body=b"truncated")

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db")

    assert list(report.repaired) == [key]
    assert bucket_files(moto_server, s3_target.bucket) == _expected(local_install)


def test_other_version_in_the_bucket_is_a_conflict_and_kept(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend
) -> None:
    key = _chart_key(local_install, 2)
    edited = b'{"edited": "in the cloud"}'
    s3_target.client.put_object(
        Bucket=s3_target.bucket, Key=key, Body=edited, Metadata={"sha256": hashlib.sha256(edited).hexdigest()}
    )

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db")

    assert list(report.conflicts) == [key] and "overwrite=True" in report.conflicts[key]
    assert not report.ok and report.copied == []
    assert s3_target.client.get_object(Bucket=s3_target.bucket, Key=key)["Body"].read() == edited


def test_overwrite_replaces_the_other_version(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend, moto_server: str
) -> None:
    key = _chart_key(local_install, 2)
    edited = b'{"edited": "in the cloud"}'
    s3_target.client.put_object(
        Bucket=s3_target.bucket, Key=key, Body=edited, Metadata={"sha256": hashlib.sha256(edited).hexdigest()}
    )

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db", overwrite=True)

    assert report.overwritten == [key] and report.ok
    assert bucket_files(moto_server, s3_target.bucket) == _expected(local_install)


def test_dry_run_lists_repairs_and_conflicts_without_writing(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend
) -> None:
    damaged, missing = _chart_key(local_install, 0), _chart_key(local_install, 1)
    s3_target.client.put_object(Bucket=s3_target.bucket, Key=damaged, Body=b"x")
    s3_target.client.delete_object(Bucket=s3_target.bucket, Key=missing)

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db", dry_run=True)

    assert sorted(report.copied) == sorted([damaged, missing]) and list(report.repaired) == [damaged]
    assert s3_target.client.get_object(Bucket=s3_target.bucket, Key=damaged)["Body"].read() == b"x"
    assert "Contents" not in s3_target.client.list_objects_v2(Bucket=s3_target.bucket, Prefix=missing)


@pytest.mark.parametrize("verify", ["metadata", "full"])
def test_stricter_verify_modes_rewrite_objects_missing_their_checksum(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend, verify: str
) -> None:
    key = _chart_key(local_install, 3)
    # Same bytes, but uploaded by another tool: no sha256 metadata.
    s3_target.client.put_object(
        Bucket=s3_target.bucket, Key=key, Body=(local_install.data_dir / key).read_bytes()
    )

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db", verify=verify)  # type: ignore[arg-type]

    if verify == "metadata":
        assert list(report.repaired) == [key]
    else:  # full compares the bytes themselves, which are right
        assert report.copied == []
    assert report.ok


def test_copy_between_local_folders_is_verified_by_reading_back(
    local_install: LocalInstall, tmp_path: Path
) -> None:
    target = LocalStorageBackend(tmp_path / "copy")
    source = LocalStorageBackend(local_install.data_dir)
    include = lambda key: key != "metadata.db"  # noqa: E731

    first = migrate_storage(source, target, include=include)
    second = migrate_storage(source, target, include=include)

    assert first.ok and len(first.copied) == len(local_files(local_install.data_dir))
    assert second.copied == [] and len(second.skipped) == len(first.copied)


def test_progress_reports_every_object_and_byte(
    local_install: LocalInstall, s3_target: S3StorageBackend
) -> None:
    events: list[ProgressEvent] = []
    source = LocalStorageBackend(local_install.data_dir)
    files = local_files(local_install.data_dir)

    migrate_storage(source, s3_target, include=lambda k: k in files, on_progress=events.append)

    start = events[0]
    assert (start.kind, start.total, start.total_bytes) == (
        "start",
        len(files),
        sum(map(len, files.values())),
    )
    advances = [e for e in events if e.kind == "advance"]
    assert sum(e.advance for e in advances) == len(files)
    assert sum(e.advance_bytes for e in advances) == start.total_bytes
    assert events[-1].kind == "finish"


def test_rerun_after_a_partial_copy_copies_only_what_is_missing(
    local_install: LocalInstall, s3_target: S3StorageBackend, copied: LocalStorageBackend, moto_server: str
) -> None:
    removed = sorted(_expected(local_install))[::3]
    for key in removed:
        s3_target.client.delete_object(Bucket=s3_target.bucket, Key=key)

    report = migrate_storage(copied, s3_target, include=lambda k: k != "metadata.db")

    assert sorted(report.copied) == removed and not report.repaired
    assert bucket_files(moto_server, s3_target.bucket) == _expected(local_install)


def test_failed_upload_is_reported_with_its_reason_and_the_rest_continues(tmp_path: Path) -> None:
    import asyncio

    import boto3
    from botocore.stub import Stubber

    source = LocalStorageBackend(tmp_path / "data")
    asyncio.run(source.write("charts/a.json", b"{}"))
    asyncio.run(source.write("charts/b.json", b"[]"))
    client = boto3.client("s3", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0, "Name": "stack-bucket"})
    stubber.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
    stubber.add_response("put_object", {"ETag": f'"{hashlib.md5(b"[]").hexdigest()}"'})

    with stubber:
        report = migrate_storage(source, S3StorageBackend("stack-bucket", client=client), concurrency=1)

    assert report.copied == ["charts/b.json"]
    assert list(report.failures) == ["charts/a.json"]
    assert "access denied" in report.failures["charts/a.json"] and report.failed_bytes == 2
