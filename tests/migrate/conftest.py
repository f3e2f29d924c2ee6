"""Fixtures: a local install built through the library, and the bucket to migrate it into."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from migrate_helpers import LocalInstall, MigrateCli, build_local_install

from storyanalytics.storage import S3StorageBackend


@pytest.fixture(scope="session")
def _install_template(tmp_path_factory: pytest.TempPathFactory) -> LocalInstall:
    return build_local_install(tmp_path_factory.mktemp("template") / "data")


@pytest.fixture
def local_install(_install_template: LocalInstall, tmp_path: Path) -> LocalInstall:
    """A fresh copy of one install built through the library (building it takes a second)."""
    data_dir = tmp_path / "data"
    shutil.copytree(_install_template.data_dir, data_dir)
    return replace(
        _install_template,
        data_dir=data_dir,
        database_url=f"sqlite:///{(data_dir / 'metadata.db').as_posix()}",
    )


@pytest.fixture
def s3_target(moto_server: str, s3_bucket: str) -> S3StorageBackend:
    return S3StorageBackend(s3_bucket, endpoint_url=moto_server, region_name="us-east-1")


@pytest.fixture
def migrate_cli(local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str) -> MigrateCli:
    """`story-analytics migrate` of the local install into the test bucket on the moto server."""
    return MigrateCli(local_install.data_dir, s3_target.bucket, moto_server)
