"""Objects in an S3 bucket, keys mapped 1:1 under an optional prefix."""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from storyanalytics.storage.base import (
    SLOWEST_WRITE_BYTES_PER_SECOND,
    DirectUpload,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    StorageUnavailable,
    validate_key,
    validate_prefix,
)
from storyanalytics.storage.timeouts import BULK_TIMEOUTS, S3Timeouts

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client

# Object metadata holding the SHA-256 of the bytes, so copies can be verified without downloading.
SHA256_METADATA_KEY = "sha256"
_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
Result = TypeVar("Result")


# S3 errors that mean "S3 is struggling, try again later", not "this request is wrong": 5xx answers
# (InternalError, SlowDown), https://docs.aws.amazon.com/AmazonS3/latest/userguide/ErrorBestPractices.html
_SERVER_ERROR_STATUS = 500


@functools.cache
def botocore_session() -> botocore.session.Session:
    """The process's one botocore session, as boto3's default session was: S3's model and the credential
    chain are read once, whatever the number of clients. botocore's own session, not boto3's: boto3 adds
    resources and managed transfers (s3transfer), which this module never uses, for ~50 ms of imports at
    every start. https://docs.aws.amazon.com/botocore/latest/tutorial/ (get_session, create_client)"""
    return botocore.session.get_session()


def _client_config(max_connections: int, timeouts: S3Timeouts) -> Config:
    # connect_timeout/read_timeout and retries.total_max_attempts (first try included), standard mode:
    # https://docs.aws.amazon.com/boto3/latest/guide/retries.html and
    # https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html
    return Config(
        retries={"mode": "standard", "total_max_attempts": timeouts.attempts},
        max_pool_connections=max_connections,
        connect_timeout=timeouts.connect,
        read_timeout=timeouts.read,
    )


class S3StorageBackend(StorageBackend):
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region_name: str | None = None,
        *,
        client: S3Client | None = None,
        max_connections: int = 64,
        timeouts: S3Timeouts = BULK_TIMEOUTS,
    ) -> None:
        if not bucket:
            raise StorageError("S3StorageBackend needs a bucket name: pass bucket='my-bucket'")
        validate_prefix(prefix)
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # HEAD answers a bare 404 for a missing bucket too; once the bucket answered, a 404 means the key.
        self._bucket_confirmed = False
        self.timeouts = timeouts
        # S3 calls block a thread each: their own pool, so a hung S3 never starves the default executor
        # (CSV parsing, password hashing, local files). Clients are thread-safe:
        # https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-multiprocessing-with-clients
        self._executor = ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="s3")
        self.client: S3Client = client or cast(
            "S3Client",
            botocore_session().create_client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region_name,
                config=_client_config(max_connections, timeouts),
            ),
        )

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix + '/' if self.prefix else ''}"

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, action: str, key: str, exc: Exception) -> StorageError:
        """One sentence that names bucket and key instead of a botocore traceback."""
        where = f"{key!r} in bucket {self.bucket!r}"
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _NOT_FOUND_CODES:
                return ObjectNotFound(f"no object {where}")
            if code == "NoSuchBucket":
                return StorageError(
                    f"cannot {action} {key!r}: bucket {self.bucket!r} does not exist; check S3_BUCKET"
                )
            if code in {"AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
                return StorageError(
                    f"cannot {action} {where}: access denied ({code}); check the AWS credentials and the "
                    "bucket policy"
                )
            message = exc.response.get("Error", {}).get("Message", "") or code
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status >= _SERVER_ERROR_STATUS:
                return StorageUnavailable(f"cannot {action} {where}: {message}")
            return StorageError(f"cannot {action} {where}: {message}")
        if isinstance(exc, NoCredentialsError):
            return StorageError(
                f"cannot {action} {where}: no AWS credentials found; set AWS_PROFILE or "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        return StorageUnavailable(f"cannot {action} {where}: cannot reach S3 ({type(exc).__name__}: {exc})")

    async def _run(self, function: Callable[..., Result], *args: Any) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def _answered(
        self, what: str, function: Callable[..., Result], *args: Any, extra: float = 0
    ) -> Result:
        """`function` in a worker thread, given up on (the thread finishes alone) past `timeouts.answer`."""
        if self.timeouts.answer is None:
            return await self._run(function, *args)
        seconds = self.timeouts.answer + extra
        try:
            return await asyncio.wait_for(self._run(function, *args), seconds)
        except TimeoutError:
            raise StorageUnavailable(f"cannot {what}: S3 did not answer within {seconds:g} s") from None

    # --- blocking halves ------------------------------------------------------------------------
    def _open_sync(self, key: str) -> StreamingBody:
        try:
            body: StreamingBody = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))[
                "Body"
            ]
            return body
        except (ClientError, BotoCoreError) as exc:
            raise self._error("read", key, exc) from None

    def _drain_sync(self, key: str, body: StreamingBody) -> bytes:
        # Each socket read of the body has the client's read timeout (ReadTimeoutError), as in botocore's
        # StreamingBody: https://docs.aws.amazon.com/powertools/python/2.30.1/api/utilities/streaming/compat.html
        try:
            return body.read()
        except BotoCoreError as exc:
            raise self._error("read", key, exc) from None
        finally:
            body.close()

    def _read_sync(self, key: str) -> bytes:
        return self._drain_sync(key, self._open_sync(key))

    def _write_sync(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object_key(key),
                Body=data,
                Metadata={SHA256_METADATA_KEY: hashlib.sha256(data).hexdigest()},
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("write", key, exc) from None

    def _delete_sync(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))
        except (ClientError, BotoCoreError) as exc:
            error = self._error("delete", key, exc)
            if not isinstance(error, ObjectNotFound):
                raise error from None

    def _head_sync(self, key: str) -> dict[str, Any] | None:
        try:
            head = dict(self.client.head_object(Bucket=self.bucket, Key=self._object_key(key)))
        except (ClientError, BotoCoreError) as exc:
            error = self._error("check", key, exc)
            if isinstance(error, ObjectNotFound):
                self._confirm_bucket("check", key)
                return None
            raise error from None
        self._bucket_confirmed = True
        return head

    def _confirm_bucket(self, action: str, key: str) -> None:
        """Tell a missing bucket from a missing key (HEAD gives both as 404); asked once per backend."""
        if self._bucket_confirmed:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"404", "NoSuchBucket", "NotFound"}:
                raise StorageError(
                    f"cannot {action} {key!r}: bucket {self.bucket!r} does not exist; check S3_BUCKET"
                ) from None
            raise self._error(action, key, exc) from None
        except BotoCoreError as exc:
            raise self._error(action, key, exc) from None
        self._bucket_confirmed = True

    def _list_sync(self, prefix: str) -> list[str]:
        full_prefix = self._object_key(prefix) if self.prefix else prefix
        if self.prefix and not prefix:
            full_prefix = self.prefix + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._error("list", prefix or "(all keys)", exc) from None
        keys.sort()
        return keys

    # --- the async contract -----------------------------------------------------------------------
    async def read(self, path: str) -> bytes:
        validate_key(path)
        body = await self._answered(f"read {path!r}", self._open_sync, path)
        return await self._run(self._drain_sync, path, body)

    async def write(self, path: str, data: bytes) -> None:
        validate_key(path)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"write({path!r}) needs bytes, not {type(data).__name__}: encode text first")
        extra = len(data) / SLOWEST_WRITE_BYTES_PER_SECOND
        await self._answered(f"write {path!r}", self._write_sync, path, bytes(data), extra=extra)

    async def delete(self, path: str) -> None:
        validate_key(path)
        await self._answered(f"delete {path!r}", self._delete_sync, path)

    async def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        return await self._answered(f"list {prefix!r}", self._list_sync, prefix)

    async def exists(self, path: str) -> bool:
        validate_key(path)
        return await self._answered(f"check {path!r}", self._head_sync, path) is not None

    async def stored_sha256(self, path: str) -> str | None:
        """The SHA-256 recorded when the object was written (None if missing or written elsewhere)."""
        validate_key(path)
        head = await self._run(self._head_sync, path)
        if head is None:
            return None
        return head.get("Metadata", {}).get(SHA256_METADATA_KEY)

    @functools.cached_property
    def upload_origin(self) -> str:
        """The origin browsers post direct uploads to, for the web app's CSP `connect-src`.

        Taken from the same local signing as `direct_upload` (boto3 builds the POST URL from the bucket
        and the client's endpoint), so the policy names exactly the host the browser will reach.
        """
        try:
            post = self.client.generate_presigned_post(Bucket=self.bucket, Key=self._object_key("probe"))
        except (ClientError, BotoCoreError):
            return ""
        url = urlsplit(post["url"])
        return f"{url.scheme}://{url.netloc}"

    def direct_upload(self, path: str, max_bytes: int, expires_in: int) -> DirectUpload:
        """A presigned POST for exactly this key, refused by S3 itself past `max_bytes`.

        Signing is local (no request to S3). Conditions and fields: boto3 generate_presigned_post,
        https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/s3/client/generate_presigned_post.html
        """
        validate_key(path)
        try:
            post = self.client.generate_presigned_post(
                Bucket=self.bucket,
                Key=self._object_key(path),
                Conditions=[["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_in,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("sign an upload to", path, exc) from None
        return DirectUpload(url=post["url"], fields={k: str(v) for k, v in post["fields"].items()})
