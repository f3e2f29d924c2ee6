"""Engines with the right options per dialect, and a session factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from storyanalytics.errors import StoryAnalyticsError

# The PostgreSQL drivers whose SQLAlchemy dialects look HSTORE up on connect (use_native_hstore).
HSTORE_LOOKUP_DRIVERS = ("psycopg2", "psycopg")


class DatabaseError(StoryAnalyticsError):
    """The database cannot be used as asked; the message says why and what to do."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, **options: Any) -> Engine:
    """SQLite: WAL and foreign keys on, its folder created. PostgreSQL: pool_pre_ping, no hstore lookup (and
    the pool sizes given, e.g. pool_size=1, max_overflow=1 on Lambda)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The URL is not repeated: it may hold a password.
        raise DatabaseError(
            "cannot parse the database URL: use sqlite:///path/to.db or "
            "postgresql+psycopg2://user:password@host:5432/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        # SQLite is a file: pool sizes are for server databases (SQLAlchemy picks its own pool here).
        options.pop("pool_size", None)
        options.pop("max_overflow", None)
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the folder {folder} for the SQLite database: {exc.strerror}; "
                    "set DATA_DIR or DATABASE_URL to a writable place"
                ) from None
        engine = create_engine(parsed, **options)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    if backend == "postgresql":
        options.setdefault("pool_pre_ping", True)
        if parsed.get_driver_name() in HSTORE_LOOKUP_DRIVERS:
            # No column is HSTORE: skip the lookup of its type each new connection makes (three round
            # trips, at every start), and psycopg's turning of any dict parameter into an hstore where the
            # database has that extension. SQLAlchemy still handles HSTORE without it: the psycopg2
            # dialect's documentation, "HSTORE type" (sqlalchemy/dialects/postgresql/psycopg2.py).
            options.setdefault("use_native_hstore", False)
        return create_engine(parsed, **options)
    raise DatabaseError(f"database {backend!r} is not supported: use sqlite or postgresql")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def redact_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparsable database URL>"
