"""Alembic environment: runs on the connection `storyanalytics.db.schema` hands it."""

from __future__ import annotations

from alembic import context

from storyanalytics.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from storyanalytics.db.engine import make_engine

        url = config.get_main_option("sqlalchemy.url")
        assert url, "no database URL given to alembic"
        with make_engine(url).connect() as fresh:
            _run(fresh)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `story-analytics db upgrade`")
run_migrations_online()
