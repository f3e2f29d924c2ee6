"""No key, however strange, reaches outside the backend's root: it is refused or lands strictly under it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storyanalytics.storage import InvalidKey, LocalStorageBackend, S3StorageBackend

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.anyio

TRICKY_CHARACTERS = [
    "a",
    "b",
    ".",
    "/",
    "\\",
    "\x00",
    "\x1f",
    "\x7f",
    " ",
    "~",
    "é",
    "%",
    "?",
    "#",
    ":",
    "*",
    "\ufeff",
]
TRICKY_SEGMENTS = ["..", ".", "", "a", "b.json", "...", ". .", "%2e%2e", "~", "\\..", "a\x00"]

keys = st.one_of(
    st.text(alphabet=st.sampled_from(TRICKY_CHARACTERS), max_size=30),
    st.lists(st.sampled_from(TRICKY_SEGMENTS), min_size=1, max_size=6).map("/".join),
    st.builds(
        lambda lead, body: lead + body,
        st.sampled_from(["", "/", "//", "./", "../", "a/../../"]),
        st.text(alphabet=st.sampled_from(TRICKY_CHARACTERS), max_size=12),
    ),
)
HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@HYPOTHESIS
@given(key=keys)
async def test_no_generated_key_escapes_the_local_folder(tmp_path: Path, key: str) -> None:
    outer = tmp_path / "outer"
    base = outer / "base"
    shutil.rmtree(outer, ignore_errors=True)  # examples share tmp_path; start each one empty
    base.mkdir(parents=True)
    (outer / "canary.txt").write_bytes(b"untouched")
    backend = LocalStorageBackend(base)
    try:
        await backend.write(key, b"payload")
    except InvalidKey:
        assert files_under(base) == []
    else:
        written = files_under(base)
        assert len(written) == 1
        assert written[0].resolve().relative_to(base.resolve()).as_posix() == key
        assert await backend.list() == [key]
        assert await backend.read(key) == b"payload"
    assert files_under(outer) == sorted([outer / "canary.txt", *files_under(base)])
    assert (outer / "canary.txt").read_bytes() == b"untouched"


@settings(HYPOTHESIS, max_examples=80)  # each example is a few HTTP round trips
@given(key=keys)
async def test_no_generated_key_escapes_the_s3_prefix(
    moto_server: str, s3_client: S3Client, s3_bucket: str, key: str
) -> None:
    backend = S3StorageBackend(s3_bucket, prefix="tenant/one", endpoint_url=moto_server)
    for leftover in s3_client.list_objects_v2(Bucket=s3_bucket).get("Contents", []):
        s3_client.delete_object(Bucket=s3_bucket, Key=leftover["Key"])  # examples share the bucket
    try:
        await backend.write(key, b"payload")
    except InvalidKey:
        stored: list[str] = []
    else:
        stored = [key]
        assert await backend.list() == [key]
        assert await backend.read(key) == b"payload"
    in_bucket = [item["Key"] for item in s3_client.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert in_bucket == [f"tenant/one/{name}" for name in stored]
