"""The storage contract: the same calls give the same answers and the same exceptions in every backend."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from storyanalytics.storage import (
    InvalidKey,
    LocalStorageBackend,
    ObjectNotFound,
    S3StorageBackend,
    StorageBackend,
    StorageError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.anyio

INVALID_KEYS = {
    "empty": "",
    "absolute": "/charts/a.json",
    "dotdot": "charts/../secrets.json",
    "only-dotdot": "..",
    "leading-dotdot": "../a.json",
    "dot": "charts/./a.json",
    "only-dot": ".",
    "backslash": "charts\\a.json",
    "nul": "charts/a\x00.json",
    "control": "charts/a\x1b.json",
    "newline": "charts/a\n.json",
    "delete-char": "charts/a\x7f.json",
    "empty-segment": "charts//a.json",
    "trailing-slash": "charts/",
    "temp-name": "charts/.~sa-0123.tmp",
    "too-long": "ab/" * 400 + "c",
    "long-segment": "c" * 256,
    "lone-surrogate": "charts/\udc80.json",
}
ESCAPING_PREFIXES = {
    "absolute": "/charts",
    "dotdot": "../",
    "inner-dotdot": "charts/../",
    "backslash": "charts\\",
    "nul": "charts\x00",
    "control": "charts\x01",
}
HARMLESS_PREFIXES = ["", "charts", "charts/", "charts/a", "..x", "x..", "a//b", "./", "nothing/here/"]


async def test_write_then_read_returns_the_bytes(backend: StorageBackend) -> None:
    await backend.write("charts/abc.json", b'{"title": "Rain"}')
    assert await backend.read("charts/abc.json") == b'{"title": "Rain"}'


async def test_write_replaces_existing_object(backend: StorageBackend) -> None:
    await backend.write("settings.json", b"old")
    await backend.write("settings.json", b"new")
    assert await backend.read("settings.json") == b"new"


async def test_write_accepts_bytearray_and_memoryview(backend: StorageBackend) -> None:
    await backend.write("a.bin", bytearray(b"array"))  # type: ignore[arg-type]
    await backend.write("b.bin", memoryview(b"view"))  # type: ignore[arg-type]
    assert (await backend.read("a.bin"), await backend.read("b.bin")) == (b"array", b"view")


async def test_write_refuses_text(backend: StorageBackend) -> None:
    with pytest.raises(TypeError, match="encode"):
        await backend.write("a.txt", "text")  # type: ignore[arg-type]


async def test_read_missing_raises_object_not_found(backend: StorageBackend) -> None:
    with pytest.raises(ObjectNotFound, match=r"charts/missing\.json"):
        await backend.read("charts/missing.json")


async def test_object_not_found_is_a_key_error_and_storage_error(backend: StorageBackend) -> None:
    with pytest.raises(KeyError):
        await backend.read("missing")
    assert issubclass(ObjectNotFound, StorageError)


async def test_read_under_a_stored_object_raises_object_not_found(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"{}")
    with pytest.raises(ObjectNotFound):
        await backend.read("charts/a.json/inner")


async def test_read_of_a_folder_raises_object_not_found(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"{}")
    with pytest.raises(ObjectNotFound):
        await backend.read("charts")


async def test_delete_removes_the_object(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"{}")
    await backend.delete("charts/a.json")
    assert not await backend.exists("charts/a.json")
    with pytest.raises(ObjectNotFound):
        await backend.read("charts/a.json")


async def test_delete_missing_is_a_no_op(backend: StorageBackend) -> None:
    await backend.delete("charts/never-written.json")
    await backend.delete("no/such/folder/at/all.json")


async def test_delete_of_a_folder_is_a_no_op(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"{}")
    await backend.delete("charts")
    assert await backend.list() == ["charts/a.json"]


async def test_exists_tells_stored_from_missing(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"{}")
    assert await backend.exists("charts/a.json")
    assert not await backend.exists("charts/b.json")
    assert not await backend.exists("charts")


async def test_list_returns_every_key_recursively_sorted(backend: StorageBackend) -> None:
    keys = ["settings.json", "charts/b.json", "charts/a.json", "versions/c1/2.json", "versions/c1/10.json"]
    for key in keys:
        await backend.write(key, b"x")
    assert await backend.list() == sorted(keys)


async def test_list_folder_prefix_returns_full_keys(backend: StorageBackend) -> None:
    for key in ["charts/a.json", "charts/deep/b.json", "chartsx/c.json", "dashboards/d.json"]:
        await backend.write(key, b"x")
    assert await backend.list("charts/") == ["charts/a.json", "charts/deep/b.json"]


async def test_list_prefix_is_a_plain_string_prefix(backend: StorageBackend) -> None:
    for key in ["charts/abc.json", "charts/abd.json", "charts/ab/x.json", "charts/b.json", "chartsx/c.json"]:
        await backend.write(key, b"x")
    assert await backend.list("charts/ab") == ["charts/ab/x.json", "charts/abc.json", "charts/abd.json"]
    assert await backend.list("chart") == [
        "charts/ab/x.json",
        "charts/abc.json",
        "charts/abd.json",
        "charts/b.json",
        "chartsx/c.json",
    ]


async def test_list_of_unknown_prefix_is_empty(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"x")
    assert await backend.list("uploads/") == []
    assert await backend.list("charts/a.json/") == []


async def test_list_of_empty_storage_is_empty(backend: StorageBackend) -> None:
    assert await backend.list() == []


async def test_list_forgets_deleted_keys(backend: StorageBackend) -> None:
    await backend.write("charts/a.json", b"x")
    await backend.write("charts/b.json", b"x")
    await backend.delete("charts/a.json")
    assert await backend.list("charts/") == ["charts/b.json"]


async def test_list_never_shows_temp_files(
    backend: StorageBackend, stored_names: Callable[[], list[str]]
) -> None:
    await asyncio.gather(*(backend.write("charts/same.json", bytes([i]) * 1000) for i in range(20)))
    assert await backend.list() == ["charts/same.json"]
    if isinstance(backend, LocalStorageBackend):
        stray = backend.base_dir / "charts" / ".~sa-deadbeef.tmp"
        stray.write_bytes(b"half")
        assert await backend.list() == ["charts/same.json"]
        stray.unlink()
    assert len(stored_names()) == 1


async def test_unicode_keys_round_trip(backend: StorageBackend) -> None:
    key = "uploads/Überschuss données 数据 ~ (1) +.csv"
    await backend.write(key, b"a,b\n1,2\n")
    assert await backend.list("uploads/") == [key]
    assert await backend.read(key) == b"a,b\n1,2\n"


async def test_binary_data_with_every_byte_value_round_trips(backend: StorageBackend) -> None:
    data = bytes(range(256)) * 64 + bytes(reversed(range(256)))
    await backend.write("uploads/all-bytes.bin", data)
    assert await backend.read("uploads/all-bytes.bin") == data


async def test_empty_object_round_trips(backend: StorageBackend) -> None:
    await backend.write("snapshots/empty.png", b"")
    assert await backend.read("snapshots/empty.png") == b""
    assert await backend.exists("snapshots/empty.png")
    assert await backend.list("snapshots/") == ["snapshots/empty.png"]


async def test_fifty_megabyte_object_round_trips(backend: StorageBackend) -> None:
    data = os.urandom(50 * 1024 * 1024)
    await backend.write("uploads/big.csv", data)
    read_back = await backend.read("uploads/big.csv")
    assert hashlib.sha256(read_back).digest() == hashlib.sha256(data).digest()


async def test_thousand_concurrent_writes_all_land(backend: StorageBackend) -> None:
    keys = [f"charts/{index:04d}.json" for index in range(1000)]
    await asyncio.gather(*(backend.write(key, key.encode()) for key in keys))
    assert await backend.list("charts/") == keys
    sample = random.Random(7).sample(keys, 25)
    assert await asyncio.gather(*(backend.read(key) for key in sample)) == [key.encode() for key in sample]


async def test_concurrent_writers_of_one_key_leave_one_whole_version(backend: StorageBackend) -> None:
    versions = [bytes([index]) * (64 * 1024) for index in range(30)]
    await asyncio.gather(*(backend.write("charts/contended.json", data) for data in versions))
    assert await backend.read("charts/contended.json") in versions


@pytest.mark.parametrize("key", INVALID_KEYS.values(), ids=INVALID_KEYS.keys())
async def test_invalid_key_is_refused_before_any_io(
    backend: StorageBackend, stored_names: Callable[[], list[str]], key: str
) -> None:
    for method in ("read", "write", "delete", "exists"):
        call = getattr(backend, method)
        arguments = (key, b"data") if method == "write" else (key,)
        with pytest.raises(InvalidKey):
            await call(*arguments)
    assert stored_names() == []


async def test_invalid_key_is_a_value_error_and_storage_error(backend: StorageBackend) -> None:
    with pytest.raises(ValueError, match="absolute"):
        await backend.read("/etc/passwd")
    assert issubclass(InvalidKey, StorageError)


@pytest.mark.parametrize("prefix", ESCAPING_PREFIXES.values(), ids=ESCAPING_PREFIXES.keys())
async def test_list_refuses_prefix_that_could_escape(backend: StorageBackend, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.list(prefix)


@pytest.mark.parametrize("prefix", HARMLESS_PREFIXES)
async def test_list_accepts_any_harmless_prefix(backend: StorageBackend, prefix: str) -> None:
    await backend.write("charts/a.json", b"x")
    expected = ["charts/a.json"] if "charts/a.json".startswith(prefix) else []
    assert await backend.list(prefix) == expected


async def test_s3_lists_past_one_thousand_keys(moto_server: str, s3_bucket: str) -> None:
    backend = S3StorageBackend(s3_bucket, prefix="paged", endpoint_url=moto_server, region_name="us-east-1")
    keys = [f"versions/{index:05d}.json" for index in range(1005)]
    await asyncio.gather(*(backend.write(key, b"v") for key in keys))
    assert await backend.list("versions/") == keys
    assert await backend.list() == keys


async def test_s3_prefix_keeps_keys_inside_it(moto_server: str, s3_bucket: str, s3_client: S3Client) -> None:
    for outside in ["tenant/onex/a.json", "tenant/a.json", "charts/a.json"]:
        s3_client.put_object(Bucket=s3_bucket, Key=outside, Body=b"other tenant")
    backend = S3StorageBackend(s3_bucket, prefix="tenant/one/", endpoint_url=moto_server)
    await backend.write("charts/a.json", b"mine")
    assert await backend.list() == ["charts/a.json"]
    stored = s3_client.get_object(Bucket=s3_bucket, Key="tenant/one/charts/a.json")["Body"].read()
    assert stored == b"mine"


async def test_s3_records_sha256_of_written_bytes(moto_server: str, s3_bucket: str) -> None:
    backend = S3StorageBackend(s3_bucket, endpoint_url=moto_server)
    await backend.write("charts/a.json", b"hello")
    assert await backend.stored_sha256("charts/a.json") == hashlib.sha256(b"hello").hexdigest()
    assert await backend.stored_sha256("charts/missing.json") is None


async def test_local_leaves_no_temp_file_after_writes(tmp_path: Path) -> None:
    backend = LocalStorageBackend(tmp_path)
    await asyncio.gather(*(backend.write(f"charts/{index}.json", b"{}") for index in range(50)))
    assert not [path for path in tmp_path.rglob("*") if ".~sa-" in path.name]


async def test_local_write_under_a_stored_file_raises_storage_error(tmp_path: Path) -> None:
    backend = LocalStorageBackend(tmp_path)
    await backend.write("charts", b"a file, not a folder")
    with pytest.raises(StorageError, match=r"charts/a\.json"):
        await backend.write("charts/a.json", b"{}")
    assert await backend.list() == ["charts"]


async def test_concurrent_reads_each_get_their_own_answer(backend: StorageBackend) -> None:
    present = [f"charts/{index}.json" for index in range(40)]
    await asyncio.gather(*(backend.write(key, key.encode()) for key in present))
    keys = [
        key for pair in zip(present, [f"missing/{index}" for index in range(40)], strict=True) for key in pair
    ]
    results = await asyncio.gather(*(backend.read(key) for key in keys), return_exceptions=True)
    for key, result in zip(keys, results, strict=True):
        if key.startswith("missing/"):
            assert isinstance(result, ObjectNotFound) and key in str(result)
        else:
            assert result == key.encode()
    checks = await asyncio.gather(*(backend.exists(key) for key in keys))
    assert checks == [not key.startswith("missing/") for key in keys]
