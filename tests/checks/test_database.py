"""Database: a user learns whether the database is reachable and at the schema this version expects,
directly (database_url) or through the app's /api/health when the database sits in private subnets."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from checks_fakes import Web, failed
from sqlalchemy import create_engine

from storyanalytics.checks import StackChecker
from storyanalytics.db import current_revision, head_revision, upgrade
from storyanalytics.db.schema import alembic_config


def test_a_database_at_head_passes(checker: StackChecker, database_at_head: str) -> None:
    checker.database_url = database_at_head
    result = checker.database()
    assert result.passed
    assert result.detail == f"the database is reachable and at the head schema revision {head_revision()}"


def test_an_empty_database_fails_telling_to_upgrade_it(checker: StackChecker, tmp_path: Path) -> None:
    checker.database_url = f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"
    assert failed(checker.database()) == (
        f"the database is at schema revision none but this version expects {head_revision()}: run "
        "'story-analytics db upgrade' against it (or redeploy, which upgrades on start)"
    )


def test_a_database_behind_head_fails_naming_its_revision(checker: StackChecker, tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'behind.db').as_posix()}"
    upgrade(url)
    command.downgrade(alembic_config(url), "-1")
    with create_engine(url).connect() as connection:
        behind = current_revision(connection)
    checker.database_url = url
    assert behind and behind != head_revision()
    assert failed(checker.database()).startswith(f"the database is at schema revision {behind} but this")


def test_a_database_with_two_schema_revisions_fails_saying_its_revision_is_unclear(
    checker: StackChecker, tmp_path: Path
) -> None:
    url = f"sqlite:///{(tmp_path / 'two-heads.db').as_posix()}"
    upgrade(url)
    with create_engine(url).begin() as connection:
        connection.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0001')")
    checker.database_url = url
    assert failed(checker.database()).startswith("the database's schema revision is unclear (")


def test_an_unreachable_database_fails_with_the_drivers_first_line(
    checker: StackChecker, tmp_path: Path
) -> None:
    checker.database_url = f"sqlite:///{tmp_path.as_posix()}"  # a folder, not a database file
    detail = failed(checker.database())
    assert detail == f"cannot reach database {checker.database_url}: unable to open database file"


def test_an_unreachable_database_is_named_without_its_password(checker: StackChecker) -> None:
    checker.database_url = "postgresql+psycopg2://u:secret@127.0.0.1:9/db"
    detail = failed(checker.database())
    assert detail == (
        "cannot reach database postgresql+psycopg2://u:***@127.0.0.1:9/db: "
        'connection to server at "127.0.0.1", port 9 failed: Connection refused'
    )


def test_without_a_database_url_the_apps_report_of_its_database_counts(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 200, {"status": "ok", "database": "ok"})
    result = checker.database()
    assert result.passed
    assert result.detail == (
        f"reachable from the app, which upgrades the schema to head ({head_revision()}) before it starts"
    )


def test_an_app_reporting_its_database_broken_fails_pointing_to_its_logs(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 503, {"status": "unavailable", "database": "unreachable"})
    assert (
        failed(checker.database()) == "the app reports its database as 'unreachable': see the service's logs"
    )


def test_an_app_that_does_not_report_its_database_fails_telling_how_to_check_it(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 200, {"status": "ok"})
    assert failed(checker.database()) == (
        f"{web.url}/api/health does not report on the database (HTTP 200); pass "
        "database_url (e.g. through an SSH tunnel) to check it directly"
    )


def test_an_app_answering_a_page_that_is_not_json_does_not_report_its_database(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 502, b"<html>Bad gateway</html>", "text/html")
    assert failed(checker.database()).startswith(
        f"{web.url}/api/health does not report on the database (HTTP 502)"
    )


def test_the_app_is_asked_once_for_health_and_database(
    checker: StackChecker, healthy_stack: None, web: Web
) -> None:
    web.answer("/api/health", 200, {"status": "ok", "database": "ok"})
    assert checker.app_health().passed and checker.database().passed
    assert len(web.requests) == 1
