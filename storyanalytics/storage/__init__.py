"""A small, uniform async storage interface: the same calls on a laptop folder and an S3 bucket."""

from typing import TYPE_CHECKING, Any

from storyanalytics.storage.base import (
    DirectUpload,
    InvalidKey,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    StorageUnavailable,
    validate_key,
    validate_prefix,
)
from storyanalytics.storage.factory import get_storage
from storyanalytics.storage.local import LocalStorageBackend

if TYPE_CHECKING:
    from storyanalytics.storage.s3 import S3StorageBackend


def __getattr__(name: str) -> Any:
    """S3StorageBackend on first use: importing boto3 is slow and a local app never needs it."""
    if name == "S3StorageBackend":
        from storyanalytics.storage.s3 import S3StorageBackend

        return S3StorageBackend
    raise AttributeError(name)


__all__ = [
    "DirectUpload",
    "InvalidKey",
    "LocalStorageBackend",
    "ObjectNotFound",
    "S3StorageBackend",
    "StorageBackend",
    "StorageError",
    "StorageUnavailable",
    "get_storage",
    "validate_key",
    "validate_prefix",
]
