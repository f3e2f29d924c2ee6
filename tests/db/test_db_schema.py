"""Alembic brings an empty database to the models' schema on SQLite and PostgreSQL, safely and only once."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import ProgrammingError

from storyanalytics.db import (
    Base,
    DatabaseError,
    current_revision,
    head_revision,
    make_engine,
    redact_url,
    upgrade,
)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_upgrade_from_empty_reaches_head_with_every_table(database_url: str) -> None:
    assert upgrade(database_url) == head_revision()
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
    finally:
        engine.dispose()
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO app_settings (key, value, updated_at) VALUES ('k', '1', :now)"),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
        assert upgrade(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM app_settings")).scalar_one() == 1
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    """A model change without a migration shows up here: autogenerate must find nothing to do."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations differ: run `alembic revision --autogenerate`"


def test_unknown_newer_revision_is_a_clear_error(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
        with pytest.raises(DatabaseError, match=r"f00dfeed9999.*upgrade the package"):
            upgrade(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_concurrent_upgrades_on_postgres_both_succeed(postgres_url: str) -> None:
    start = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(upgrade(postgres_url))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert results == [head_revision(), head_revision()]


def test_unreachable_postgres_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql+psycopg2://app:hunter2secret@127.0.0.1:{closed_port()}/app"
    with pytest.raises(DatabaseError) as caught:
        upgrade(url)
    message = str(caught.value)
    assert "hunter2secret" not in message
    assert "127.0.0.1" in message and "DATABASE_URL" in message
    assert "\n" not in message


@pytest.mark.postgres
def test_missing_postgres_database_is_a_clear_error(postgres_url: str) -> None:
    url = postgres_url.rsplit("/", 1)[0] + "/sa_no_such_database"
    with pytest.raises(DatabaseError, match="sa_no_such_database"):
        upgrade(url)


def test_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "metadata.db"
    bogus.write_bytes(b"this is a CSV, not SQLite\n" * 100)
    with pytest.raises(DatabaseError, match="not a database"):
        upgrade(f"sqlite:///{bogus}")


def test_unparsable_url_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(DatabaseError, match="cannot parse") as caught:
        make_engine("postgresql://app:hunter2secret@db:notaport/app")
    assert "hunter2secret" not in str(caught.value)


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(DatabaseError, match="mysql"):
        make_engine("mysql://app@db/app")


def test_sqlite_engine_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        engine.dispose()


def test_sqlite_engine_creates_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'metadata.db'}"
    assert upgrade(url) == head_revision()
    assert (tmp_path / "new" / "folder" / "metadata.db").is_file()


@pytest.mark.postgres
def test_postgres_engine_pings_before_use(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        assert getattr(engine.pool, "_pre_ping", False)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_connection_does_not_turn_a_dict_into_an_hstore(postgres_url: str) -> None:
    """No hstore lookup on connect: even where the extension exists, psycopg2 does not adapt dicts."""
    setup = make_engine(postgres_url)
    with setup.connect() as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS hstore")
        connection.commit()
    setup.dispose()
    engine = make_engine(postgres_url)  # a new dialect: it would find the extension on connecting
    try:
        with engine.connect() as connection, pytest.raises(ProgrammingError, match="can't adapt type 'dict'"):
            connection.exec_driver_sql("SELECT %(value)s::text", {"value": {"a": "b"}})
    finally:
        engine.dispose()


def test_redact_url_hides_the_password() -> None:
    assert (
        redact_url("postgresql+psycopg2://app:hunter2@db:5432/app")
        == "postgresql+psycopg2://app:***@db:5432/app"
    )
    assert redact_url("postgresql://app:hunter2@db:notaport/app") == "<unparsable database URL>"


@pytest.mark.postgres
def test_start_on_a_current_database_does_not_wait_for_the_migration_lock(postgres_url: str) -> None:
    """Cold starts after a deploy's first one find the schema current and never queue on the lock."""
    from sqlalchemy import func, select

    from storyanalytics.db.schema import MIGRATION_LOCK_ID

    upgrade(postgres_url)
    holder = make_engine(postgres_url)
    finished: list[str] = []
    with holder.connect() as connection:
        connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK_ID)))
        thread = threading.Thread(target=lambda: finished.append(upgrade(postgres_url)), daemon=True)
        thread.start()
        thread.join(timeout=20)
        done_while_locked = list(finished)
        connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_ID)))
    thread.join(timeout=20)
    holder.dispose()
    assert done_while_locked == [head_revision()]


@pytest.mark.postgres
def test_postgres_engine_holds_no_more_connections_than_its_pool_allows(postgres_url: str) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    engine = make_engine(postgres_url, pool_size=1, max_overflow=1, pool_timeout=0.5)
    first, second = engine.connect(), engine.connect()
    with pytest.raises(PoolTimeout):
        engine.connect()
    first.close()
    second.close()
    engine.dispose()


def test_sqlite_engine_ignores_pool_sizes(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, pool_size=1, max_overflow=1)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_head_read_from_the_migration_files_matches_alembics() -> None:
    from storyanalytics.db.schema import head_from_files

    assert head_from_files() == head_revision()


def test_start_on_a_current_database_does_not_import_alembic(sqlite_url: str) -> None:
    """Importing Alembic costs about half a second of every cold start; a current schema needs none."""
    import subprocess
    import sys

    upgrade(sqlite_url)
    probe = (
        f"import sys; from storyanalytics.db import upgrade; upgrade({sqlite_url!r}); "
        "print('alembic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
