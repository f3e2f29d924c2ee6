"""The metadata copy: types, refusal of a non-empty target, merge without overwriting, resume."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest
from migrate_helpers import LocalInstall, build_local_install, database_rows
from sqlalchemy import Executable, inspect, select, text, update

from storyanalytics.db import make_engine, make_session_factory, upgrade
from storyanalytics.db.models import AppSetting, Chart, Folder, Team, User
from storyanalytics.migrate import MigrationError, database_copy, migrate_database


def test_types_survive_the_copy(local_install: LocalInstall, postgres_url: str) -> None:
    migrate_database(local_install.database_url, postgres_url)

    engine = make_engine(postgres_url)
    with make_session_factory(engine)() as session:
        chart = session.scalars(select(Chart).where(Chart.is_published.is_(True))).first()
        assert chart is not None and chart.published_at is not None
        assert chart.published_at.tzinfo is UTC and chart.published_at.microsecond == 123456
        assert session.get(AppSetting, "site").value == {  # type: ignore[union-attr]
            "name": "Ada's charts",
            "nested": {"b": [1, 2.5, None]},
        }
        assert session.get(AppSetting, "flag").value is True  # type: ignore[union-attr]
        team = session.scalars(select(Team).where(Team.name == "My team")).one()
        assert team.embed_origins == ["https://blog.example.org"]
        folder = session.get(Folder, "0" * 32)
        assert folder is not None and folder.name == "2026 \t tabs\nand newlines"
    with engine.connect() as connection:
        kind = connection.execute(text("SELECT pg_typeof(is_published)::text FROM charts LIMIT 1"))
        assert kind.scalar_one() == "boolean"
    engine.dispose()


def _migrate_then_change(local_install: LocalInstall, postgres_url: str, *changes: Executable) -> None:
    """Migrate once, then change the target in one transaction (a cloud edit, or an interrupted copy)."""
    migrate_database(local_install.database_url, postgres_url)
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        for change in changes:
            connection.execute(change)
    engine.dispose()


def test_target_with_other_rows_is_refused_before_writing(
    local_install: LocalInstall, postgres_url: str, tmp_path: Path
) -> None:
    other = build_local_install(tmp_path / "other", charts=2)
    migrate_database(other.database_url, postgres_url)
    before = database_rows(postgres_url)

    with pytest.raises(MigrationError, match=r"already holds other data .*--merge"):
        migrate_database(local_install.database_url, postgres_url)

    assert database_rows(postgres_url) == before


def test_merge_adds_missing_rows_and_reports_differing_ones_without_overwriting(
    local_install: LocalInstall, postgres_url: str
) -> None:
    _migrate_then_change(
        local_install,
        postgres_url,
        update(Chart).where(Chart.id == local_install.chart_ids[0]).values(title="Cloud edit"),
        text("DELETE FROM snapshots"),
    )

    report = migrate_database(local_install.database_url, postgres_url, merge=True)

    charts = report.table("charts")
    assert charts.conflicts == 1 and charts.conflict_keys == [local_install.chart_ids[0]]
    assert report.table("snapshots").copied == len(local_install.chart_ids)
    assert not report.ok
    engine = make_engine(postgres_url)
    with make_session_factory(engine)() as session:
        assert session.get(Chart, local_install.chart_ids[0]).title == "Cloud edit"  # type: ignore[union-attr]
    engine.dispose()


def test_merge_reports_a_row_that_breaks_a_unique_column(
    local_install: LocalInstall, postgres_url: str
) -> None:
    # Same e-mail as a local user under another id: inserting the local row would break uniqueness.
    _migrate_then_change(
        local_install,
        postgres_url,
        text("DELETE FROM users WHERE email = 'local@localhost'"),
        text(
            "INSERT INTO users (id, email, display_name, is_admin, is_active, created_at, updated_at) "
            "VALUES ('c' || repeat('0', 31), 'local@localhost', 'cloud', false, true, now(), now())"
        ),
    )

    report = migrate_database(local_install.database_url, postgres_url, merge=True)

    users = report.table("users")
    assert users.conflicts == 1 and "unique or foreign key" in users.conflict_keys[0]


def test_complete_tables_are_verified_and_skipped_after_an_interruption(
    local_install: LocalInstall, postgres_url: str
) -> None:
    # As if killed before the last tables were committed.
    _migrate_then_change(
        local_install, postgres_url, text("DELETE FROM snapshots"), text("DELETE FROM chart_versions")
    )

    report = migrate_database(local_install.database_url, postgres_url)

    assert report.ok
    assert report.table("charts").status == "already complete"
    assert report.table("snapshots").status == "copied"
    assert database_rows(postgres_url) == database_rows(local_install.database_url)


def test_changed_row_in_a_complete_looking_table_is_not_treated_as_complete(
    local_install: LocalInstall, postgres_url: str
) -> None:
    _migrate_then_change(
        local_install,
        postgres_url,
        update(User).where(User.id == local_install.user_id).values(display_name="Ada L."),
    )

    with pytest.raises(MigrationError, match=r"users \(2 rows\)"):
        migrate_database(local_install.database_url, postgres_url)


def _schema(url: str) -> dict[str, object]:
    engine = make_engine(url)
    inspector = inspect(engine)
    found = {
        table: (
            sorted(map(repr, inspector.get_indexes(table))),
            sorted(map(repr, inspector.get_unique_constraints(table))),
            sorted(map(repr, inspector.get_foreign_keys(table))),
            repr(inspector.get_pk_constraint(table)),
        )
        for table in inspector.get_table_names()
    }
    engine.dispose()
    return found


def test_bulk_copy_rebuilds_the_same_indexes_and_constraints(
    local_install: LocalInstall, postgres_database_factory: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_copy, "BULK_ROWS", 2)  # every table with 2+ rows takes the bulk path
    bulk_url, reference_url = postgres_database_factory(), postgres_database_factory()
    upgrade(reference_url)

    report = migrate_database(local_install.database_url, bulk_url)

    assert report.ok
    assert _schema(bulk_url) == _schema(reference_url)
    assert database_rows(bulk_url) == database_rows(local_install.database_url)


@pytest.mark.parametrize("bulk_rows", [2, 10**9], ids=["bulk", "row-by-row"])
def test_orphan_row_in_the_source_stops_with_one_sentence(
    local_install: LocalInstall, postgres_url: str, monkeypatch: pytest.MonkeyPatch, bulk_rows: int
) -> None:
    monkeypatch.setattr(database_copy, "BULK_ROWS", bulk_rows)
    with sqlite3.connect(local_install.database_url.removeprefix("sqlite:///")) as raw:
        raw.execute("PRAGMA foreign_keys=OFF")
        raw.execute("UPDATE chart_versions SET chart_id = 'gone' WHERE id = 1")

    with pytest.raises(MigrationError, match=r"cannot copy table chart_versions .*fix them locally"):
        migrate_database(local_install.database_url, postgres_url)

    assert database_rows(postgres_url)["chart_versions"] == []
