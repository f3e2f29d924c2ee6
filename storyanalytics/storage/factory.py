"""Pick the storage backend the settings describe."""

from __future__ import annotations

from storyanalytics.config import Settings, StorageKind
from storyanalytics.storage.base import StorageBackend
from storyanalytics.storage.local import LocalStorageBackend
from storyanalytics.storage.timeouts import BULK_TIMEOUTS, S3Timeouts


def get_storage(settings: Settings, timeouts: S3Timeouts = BULK_TIMEOUTS) -> StorageBackend:
    """The backend; the app passes REQUEST_TIMEOUTS so a hung S3 fails a request in seconds."""
    if settings.storage_backend is StorageKind.s3:
        assert settings.s3_bucket  # guaranteed by Settings validation
        # Here, not at the top: it loads botocore (~100 ms of start CPU), which local mode never needs.
        from storyanalytics.storage.s3 import S3StorageBackend

        return S3StorageBackend(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.aws_endpoint_url,
            region_name=settings.aws_region,
            timeouts=timeouts,
        )
    return LocalStorageBackend(settings.data_dir)
