"""The cloud stack passes the database as DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD: build the URL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storyanalytics.config import ConfigError, load_settings

AWKWARD_PASSWORD = "p@ss:w/rd%?#&= x"


@pytest.fixture(autouse=True)
def _no_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_SSLMODE"):
        monkeypatch.delenv(name, raising=False)


def test_database_url_is_built_from_parts_with_the_password_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DB_HOST": "db.example.internal",
        "DB_PORT": "6543",
        "DB_NAME": "storyanalytics",
        "DB_USER": "storyanalytics",
        "DB_PASSWORD": AWKWARD_PASSWORD,
        "DB_SSLMODE": "require",
    }.items():
        monkeypatch.setenv(name, value)
    url = make_url(load_settings().resolved_database_url)
    assert url.drivername == "postgresql+psycopg2"
    assert (url.host, url.port, url.database, url.username) == (
        "db.example.internal",
        6543,
        "storyanalytics",
        "storyanalytics",
    )
    assert url.password == AWKWARD_PASSWORD
    assert url.query == {"sslmode": "require"}


def test_database_url_wins_over_parts() -> None:
    settings = load_settings(database_url="sqlite:///elsewhere.db", db_host="db.example.internal")
    assert settings.resolved_database_url == "sqlite:///elsewhere.db"


def test_db_host_without_the_other_parts_is_refused_naming_them() -> None:
    with pytest.raises(ConfigError, match="DB_NAME, DB_USER are not"):
        load_settings(db_host="db.example.internal")


def test_db_password_never_appears_in_the_settings_repr() -> None:
    settings = load_settings(db_host="h", db_name="n", db_user="u", db_password=AWKWARD_PASSWORD)
    assert AWKWARD_PASSWORD not in repr(settings)


@pytest.mark.postgres
def test_url_from_parts_connects_to_postgresql(postgres_url: str) -> None:
    given = make_url(postgres_url)
    settings = load_settings(
        db_host=given.host,
        db_port=given.port or 5432,
        db_name=given.database,
        db_user=given.username,
        db_password=given.password,  # the local test server may trust loopback: no password
    )
    engine = create_engine(settings.resolved_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT current_database()")).scalar() == given.database
    engine.dispose()
