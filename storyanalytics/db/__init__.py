"""Metadata in SQLAlchemy 2.0: SQLite on a laptop, PostgreSQL in the cloud, schema through Alembic."""

from storyanalytics.db.engine import DatabaseError, make_engine, make_session_factory, redact_url
from storyanalytics.db.models import Base
from storyanalytics.db.schema import current_revision, head_revision, upgrade

__all__ = [
    "Base",
    "DatabaseError",
    "current_revision",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "redact_url",
    "upgrade",
]
