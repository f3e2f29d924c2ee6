"""The edge bucket's public prefix as a place to put files with their content type and caching.

It is the S3 storage backend (same key checks, same errors) plus `put`, which records the
Content-Type and Cache-Control that S3 then answers with, and so CloudFront and browsers too, and any
user metadata (answered as x-amz-meta-* headers, which the edge's function reads).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.publish.layout import EDGE_PREFIX
from storyanalytics.storage.base import SLOWEST_WRITE_BYTES_PER_SECOND, validate_key
from storyanalytics.storage.s3 import S3StorageBackend


class EdgeFiles(S3StorageBackend):
    """Files under `public/` in the edge bucket, the only prefix its CloudFront distribution may read."""

    def __init__(self, bucket: str, prefix: str = EDGE_PREFIX, **kwargs: object) -> None:
        super().__init__(bucket, prefix, **kwargs)  # type: ignore[arg-type]

    def _put_sync(
        self, key: str, data: bytes, content_type: str, cache_control: str, metadata: dict[str, str]
    ) -> None:
        try:
            # S3 answers GET with the object's stored Content-Type, Cache-Control and metadata:
            # https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object_key(key),
                Body=data,
                ContentType=content_type,
                CacheControl=cache_control,
                Metadata=metadata,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error("write", key, exc) from None

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str,
        metadata: dict[str, str] | None = None,
    ) -> None:
        validate_key(key)
        extra = len(data) / SLOWEST_WRITE_BYTES_PER_SECOND
        await self._answered(
            f"write {key!r}",
            self._put_sync,
            key,
            data,
            content_type,
            cache_control,
            metadata or {},
            extra=extra,
        )
