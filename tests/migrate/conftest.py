"""Fixtures: a local install built through the library, and the bucket to migrate it into."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from migrate_helpers import LocalInstall, MigrateCli, build_local_install, fill_small_database
from sqlalchemy import text

from storyanalytics.db import Base, make_engine, upgrade
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


# --- small databases for the fast tests of the database copy (also run once per mutant) --------------
@pytest.fixture(scope="session")
def _small_templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An empty database at the head schema, and the same filled by `fill_small_database`."""
    folder = tmp_path_factory.mktemp("small")
    empty, filled = folder / "empty.db", folder / "filled.db"
    upgrade(f"sqlite:///{empty.as_posix()}")
    shutil.copyfile(empty, filled)
    fill_small_database(f"sqlite:///{filled.as_posix()}")
    return empty, filled


def _sqlite_copy(template: Path, path: Path) -> str:
    shutil.copyfile(template, path)
    return f"sqlite:///{path.as_posix()}"


@pytest.fixture
def small_source(_small_templates: tuple[Path, Path], tmp_path: Path) -> str:
    """A local metadata.db with a few rows in every table but one (see `fill_small_database`)."""
    return _sqlite_copy(_small_templates[1], tmp_path / "metadata.db")


@pytest.fixture
def sqlite_target(_small_templates: tuple[Path, Path], tmp_path: Path) -> str:
    """An empty target database already at the head schema."""
    return _sqlite_copy(_small_templates[0], tmp_path / "target.db")


@pytest.fixture(scope="session")
def _postgres_at_head(postgres_database_factory: Callable[[], str]) -> str:
    """One PostgreSQL database at the head schema for the session, whose sessions default to a time
    zone and date style other than UTC and ISO (as a database the user set up may)."""
    url = postgres_database_factory()
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        name = connection.execute(text("SELECT current_database()")).scalar_one()
        connection.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET TimeZone = 'America/Sao_Paulo'")
        connection.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET DateStyle = 'SQL, DMY'")
    engine.dispose()
    return url


@pytest.fixture
def postgres_target(_postgres_at_head: str) -> str:
    """The session's PostgreSQL database at the head schema, emptied (its sequences restarted)."""
    engine = make_engine(_postgres_at_head)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return _postgres_at_head


@pytest.fixture(params=["sqlite_target", "postgres_target"], ids=["sqlite", "postgresql"])
def any_target(request: pytest.FixtureRequest) -> str:
    """An empty target at the head schema: SQLite (executemany) and PostgreSQL (COPY)."""
    return str(request.getfixturevalue(request.param))
