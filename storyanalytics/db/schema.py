"""Bring a database to the code's schema with Alembic; never `create_all` outside tests.

On PostgreSQL the upgrade runs under an advisory lock so several app instances starting together
do not race each other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from storyanalytics.db.engine import DatabaseError, make_engine, redact_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number; all instances of the app must agree on it.
MIGRATION_LOCK_ID = 0x5A5A_0001


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head, "the package ships no migrations"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> str:
    """Upgrade to `revision` (head by default) and return the revision the database is at."""
    owned = isinstance(engine_or_url, str)
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as connection:
            if revision == "head" and current_revision(connection) == head_revision():
                # Already current (every start after the first one of a deploy): no lock, no Alembic run,
                # so cold starts do not queue behind each other on the migration lock.
                connection.rollback()
                return head_revision()
            locked = connection.dialect.name == "postgresql"
            if locked:
                connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK_ID)))
                connection.commit()
            try:
                existing = current_revision(connection)
                if existing is not None and existing not in known_revisions():
                    raise DatabaseError(
                        f"database {redact_url(str(engine.url))} is at schema revision {existing}, "
                        "which this version of Story Analytics does not know: upgrade the package"
                    )
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
                return current_revision(connection) or ""
            finally:
                if locked:
                    # A failed migration leaves an aborted transaction; end it so the unlock can run.
                    connection.rollback()
                    connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_ID)))
                    connection.commit()
    except DBAPIError as exc:
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        raise DatabaseError(
            f"cannot use database {redact_url(str(engine.url))}: "
            f"{reason}; check DATABASE_URL and that the server is running"
        ) from None
    finally:
        if owned:
            engine.dispose()
