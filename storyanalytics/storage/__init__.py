"""A small, uniform async storage interface: the same calls on a laptop folder and an S3 bucket."""

from storyanalytics.storage.base import (
    DirectUpload,
    InvalidKey,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    validate_key,
    validate_prefix,
)
from storyanalytics.storage.factory import get_storage
from storyanalytics.storage.local import LocalStorageBackend
from storyanalytics.storage.s3 import S3StorageBackend

__all__ = [
    "DirectUpload",
    "InvalidKey",
    "LocalStorageBackend",
    "ObjectNotFound",
    "S3StorageBackend",
    "StorageBackend",
    "StorageError",
    "get_storage",
    "validate_key",
    "validate_prefix",
]
