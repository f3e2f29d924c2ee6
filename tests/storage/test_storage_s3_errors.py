"""S3 failures reach the caller as one StorageError naming bucket and key, never a botocore traceback."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from storyanalytics.storage import (
    InvalidKey,
    LocalStorageBackend,
    ObjectNotFound,
    S3StorageBackend,
    StorageBackend,
    StorageError,
)
from storyanalytics.storage.s3 import botocore_session

pytestmark = pytest.mark.anyio

Operation = Callable[[StorageBackend], Awaitable[object]]
OPERATIONS: dict[str, Operation] = {
    "read": lambda backend: backend.read("charts/a.json"),
    "write": lambda backend: backend.write("charts/a.json", b"{}"),
    "delete": lambda backend: backend.delete("charts/a.json"),
    "exists": lambda backend: backend.exists("charts/a.json"),
    "list": lambda backend: backend.list("charts/a.json"),
}


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stubbed_backend(bucket: str = "stubbed-bucket") -> tuple[S3StorageBackend, Stubber]:
    client = boto3.client("s3", region_name="us-east-1")
    return S3StorageBackend(bucket, client=client), Stubber(client)


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
async def test_missing_bucket_is_a_storage_error_naming_bucket_and_key(
    moto_server: str, operation: Operation
) -> None:
    backend = S3StorageBackend("no-such-bucket-here", endpoint_url=moto_server)
    with pytest.raises(StorageError) as caught:
        await operation(backend)
    assert not isinstance(caught.value, ObjectNotFound)
    message = str(caught.value)
    assert "no-such-bucket-here" in message and "charts/a.json" in message and "S3_BUCKET" in message


S3_METHODS = {
    "read": "get_object",
    "write": "put_object",
    "delete": "delete_object",
    "exists": "head_object",
    "list": "list_objects_v2",
}


@pytest.mark.parametrize("name", OPERATIONS.keys())
async def test_access_denied_is_a_storage_error_naming_bucket_and_key(name: str) -> None:
    backend, stubber = stubbed_backend()
    stubber.add_client_error(S3_METHODS[name], service_error_code="AccessDenied", http_status_code=403)
    with stubber, pytest.raises(StorageError) as caught:
        await OPERATIONS[name](backend)
    message = str(caught.value)
    assert "stubbed-bucket" in message and "charts/a.json" in message and "access denied" in message


async def test_endpoint_down_is_a_storage_error_naming_bucket_and_key() -> None:
    backend = S3StorageBackend("some-bucket", endpoint_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(StorageError) as caught:
        await backend.read("charts/a.json")
    message = str(caught.value)
    assert "some-bucket" in message and "charts/a.json" in message and "cannot reach S3" in message


async def test_missing_credentials_say_which_variables_to_set(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    botocore_session.cache_clear()  # it caches the credentials it found before
    try:
        backend = S3StorageBackend("some-bucket", endpoint_url=moto_server)
        with pytest.raises(StorageError, match="AWS_ACCESS_KEY_ID"):
            await backend.write("charts/a.json", b"{}")
    finally:
        botocore_session.cache_clear()  # the next tests' clients find their credentials again


async def test_other_client_errors_keep_the_aws_message() -> None:
    backend, stubber = stubbed_backend()
    stubber.add_client_error(
        "put_object",
        service_error_code="SlowDown",
        service_message="Reduce your request rate",
        http_status_code=503,
    )
    with stubber, pytest.raises(StorageError, match="Reduce your request rate"):
        await backend.write("charts/a.json", b"{}")


async def test_missing_key_after_bucket_answered_is_not_found() -> None:
    backend, stubber = stubbed_backend()
    stubber.add_client_error("head_object", service_error_code="404", http_status_code=404)
    stubber.add_response("head_bucket", {}, {"Bucket": "stubbed-bucket"})
    stubber.add_client_error("head_object", service_error_code="404", http_status_code=404)
    with stubber:
        assert not await backend.exists("charts/a.json")
        assert not await backend.exists("charts/b.json")  # the bucket is not asked about twice
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("method", ["read", "write", "delete", "exists"])
async def test_invalid_key_makes_no_s3_request(method: str) -> None:
    backend, stubber = stubbed_backend()  # no responses queued: any request would fail the stubber
    arguments = ("../escape", b"x") if method == "write" else ("../escape",)
    with stubber, pytest.raises(InvalidKey):
        await getattr(backend, method)(*arguments)


@pytest.mark.parametrize("method", ["read", "write", "delete", "exists"])
async def test_invalid_key_touches_no_local_file(tmp_path: Path, method: str) -> None:
    base = tmp_path / "a-file-not-a-folder"
    base.write_bytes(b"")  # any real I/O under it would fail with NotADirectoryError
    backend = LocalStorageBackend(base)
    arguments = ("a//b", b"x") if method == "write" else ("a//b",)
    with pytest.raises(InvalidKey):
        await getattr(backend, method)(*arguments)


async def test_invalid_prefix_makes_no_s3_request() -> None:
    with pytest.raises(InvalidKey):
        S3StorageBackend(
            "stubbed-bucket", prefix="../other", client=boto3.client("s3", region_name="us-east-1")
        )
    backend, stubber = stubbed_backend()
    with stubber, pytest.raises(InvalidKey):
        await backend.list("../")


def test_backend_without_bucket_is_refused() -> None:
    with pytest.raises(StorageError, match="bucket"):
        S3StorageBackend("")
