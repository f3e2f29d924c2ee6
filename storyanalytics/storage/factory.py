"""Pick the storage backend the settings describe."""

from __future__ import annotations

from storyanalytics.config import Settings, StorageKind
from storyanalytics.storage.base import StorageBackend
from storyanalytics.storage.local import LocalStorageBackend


def get_storage(settings: Settings) -> StorageBackend:
    if settings.storage_backend is StorageKind.s3:
        # Imported here: boto3 costs about a third of a second, which a local app never needs.
        from storyanalytics.storage.s3 import S3StorageBackend

        assert settings.s3_bucket  # guaranteed by Settings validation
        return S3StorageBackend(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.aws_endpoint_url,
            region_name=settings.aws_region,
        )
    return LocalStorageBackend(settings.data_dir)
