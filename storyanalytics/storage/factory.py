"""Pick the storage backend the settings describe."""

from __future__ import annotations

from storyanalytics.config import Settings, StorageKind
from storyanalytics.storage.base import StorageBackend
from storyanalytics.storage.local import LocalStorageBackend
from storyanalytics.storage.s3 import S3StorageBackend


def get_storage(settings: Settings) -> StorageBackend:
    if settings.storage_backend is StorageKind.s3:
        assert settings.s3_bucket  # guaranteed by Settings validation
        return S3StorageBackend(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.aws_endpoint_url,
            region_name=settings.aws_region,
        )
    return LocalStorageBackend(settings.data_dir)
