"""The package's public face: the names, the abstract interface, and the backend the settings pick."""

from __future__ import annotations

import inspect
from pathlib import Path

import storyanalytics.storage as storage
from storyanalytics.config import load_settings
from storyanalytics.storage import LocalStorageBackend, S3StorageBackend, StorageBackend, get_storage

CONTRACT = {"read", "write", "delete", "list", "exists"}


def test_public_names_are_importable_from_the_package() -> None:
    for name in [
        "StorageBackend",
        "LocalStorageBackend",
        "S3StorageBackend",
        "get_storage",
        "StorageError",
        "ObjectNotFound",
        "InvalidKey",
    ]:
        assert hasattr(storage, name), name


def test_the_abstract_interface_is_exactly_the_five_async_methods() -> None:
    assert StorageBackend.__abstractmethods__ == CONTRACT
    for backend in (LocalStorageBackend, S3StorageBackend):
        for name in CONTRACT:
            assert inspect.iscoroutinefunction(getattr(backend, name)), f"{backend.__name__}.{name}"


def test_get_storage_defaults_to_the_data_folder(tmp_path: Path) -> None:
    backend = get_storage(load_settings(data_dir=tmp_path / "data"))
    assert isinstance(backend, LocalStorageBackend)
    assert backend.base_dir == (tmp_path / "data").resolve()


def test_get_storage_builds_s3_from_settings(moto_server: str) -> None:
    settings = load_settings(
        storage_backend="s3",
        s3_bucket="charts-bucket",
        s3_prefix="prod/",
        aws_endpoint_url=moto_server,
        aws_region="eu-west-1",
        jwt_secret="k" * 48,
    )
    backend = get_storage(settings)
    assert isinstance(backend, S3StorageBackend)
    assert (backend.bucket, backend.prefix) == ("charts-bucket", "prod")
    assert backend.client.meta.endpoint_url == moto_server
    assert backend.client.meta.region_name == "eu-west-1"
    assert backend.describe() == "s3://charts-bucket/prod/"
