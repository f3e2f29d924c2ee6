"""Storage fixtures: every contract test runs on a local folder, a bucket, and a bucket under a prefix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from storage_fakes import ScriptedStorage, run, unreachable

from storyanalytics.storage import LocalStorageBackend, S3StorageBackend, StorageBackend, StorageUnavailable
from storyanalytics.storage.breaker import StorageBreaker

BACKEND_KINDS = ["local", "s3", "s3-prefix"]
S3_TEST_PREFIX = "tenant/one"


def make_backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> StorageBackend:
    if kind == "local":
        return LocalStorageBackend(tmp_path / "data")
    endpoint: str = request.getfixturevalue("moto_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    prefix = S3_TEST_PREFIX if kind == "s3-prefix" else ""
    return S3StorageBackend(bucket, prefix=prefix, endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture(params=BACKEND_KINDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> StorageBackend:
    """Each backend the app supports, empty."""
    return make_backend(request.param, request, tmp_path)


@pytest.fixture
def stored_names(request: pytest.FixtureRequest, backend: StorageBackend) -> Callable[[], list[str]]:
    """What is really on disk or in the bucket (not through `list`), to see leaks and temp files."""
    if isinstance(backend, LocalStorageBackend):
        base = backend.base_dir

        def on_disk() -> list[str]:
            if not base.exists():
                return []
            return sorted(path.relative_to(base).as_posix() for path in base.rglob("*") if path.is_file())

        return on_disk
    assert isinstance(backend, S3StorageBackend)
    s3_client = request.getfixturevalue("s3_client")

    def in_bucket() -> list[str]:
        paginator = s3_client.get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in paginator.paginate(Bucket=backend.bucket)
            for item in page.get("Contents", [])
        )

    return in_bucket


@pytest.fixture
def scripted() -> ScriptedStorage:
    """Storage whose answer the test sets (`behaviour`), counting the calls that reach it."""
    return ScriptedStorage()


@pytest.fixture
def tripped(scripted: ScriptedStorage) -> Callable[[float], StorageBreaker]:
    """A breaker in front of `scripted` right after a call that could not reach it (open `open_seconds`)."""

    def trip(open_seconds: float) -> StorageBreaker:
        breaker = StorageBreaker(scripted, open_seconds=open_seconds)
        scripted.behaviour = unreachable
        with pytest.raises(StorageUnavailable):
            run(breaker.read("a.json"))
        return breaker

    return trip
