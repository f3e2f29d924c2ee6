"""Bring a database to the code's schema with Alembic; never `create_all` outside tests.

On PostgreSQL the upgrade runs under an advisory lock so several app instances starting together
do not race each other.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from storyanalytics.db.engine import DatabaseError, make_engine, redact_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number; all instances of the app must agree on it.
MIGRATION_LOCK_ID = 0x5A5A_0001
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(?:[\"']([^\"']+)[\"']|None)", re.M)

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration runs or is inspected: it costs about half a second, and a
# start on a current schema (every cold start after a deploy's first) does not need it.


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head, "the package ships no migrations"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def head_from_files() -> str | None:
    """The head revision read from the migration files as text, without Alembic; None when it is not one
    plain chain (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revision(connection: Connection) -> str | None:
    """The revision in alembic_version, read with plain SQL (None without the table or with several rows)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return str(rows[0]) if len(rows) == 1 else None


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> str:
    """Upgrade to `revision` (head by default) and return the revision the database is at."""
    owned = isinstance(engine_or_url, str)
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as connection:
            head = head_from_files() if revision == "head" else None
            if head is not None and stored_revision(connection) == head:
                # Already current (every start after the first one of a deploy): no lock and no Alembic,
                # so cold starts neither queue on the migration lock nor pay for importing Alembic.
                connection.rollback()
                return head
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
                from alembic import command

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
