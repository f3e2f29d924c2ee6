"""Each outcome of the metadata copy on a few rows: verified, resumed, refused, merged, failed.

Fast on purpose (SQLite, and one PostgreSQL database emptied between tests): `invoke mutants` runs
them once per mutant of database_copy, copy_text and table_writer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from migrate_helpers import SMALL_FOLDERS, SMALL_VERSIONS, database_rows
from sqlalchemy import insert, inspect, text

from storyanalytics.db import Base, make_engine
from storyanalytics.db.models import ChartVersion
from storyanalytics.db.schema import current_revision, head_revision
from storyanalytics.migrate import MigrationError, database_copy, migrate_database, table_checksum
from storyanalytics.migrate.copy_text import _LineSink, _timestamp_text
from storyanalytics.migrate.database_copy import prepared_database_migration
from storyanalytics.migrate.progress import ProgressEvent

TABLES = [table.name for table in Base.metadata.sorted_tables]
EMPTY_TABLE = "login_failures"
CONFLICT = "breaks a unique or foreign key"


def _change(url: str, *statements: str) -> None:
    """Change the target in one transaction (a cloud edit, or what an interrupted run left)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _row_counts(url: str) -> dict[str, int]:
    return {name: len(rows) for name, rows in database_rows(url).items()}


class Interrupted(Exception):
    """Stands for Ctrl-C or a killed process in the middle of a table."""


def _interrupt_at(table: str) -> Callable[[ProgressEvent], None]:
    def on_progress(event: ProgressEvent) -> None:
        if event.stage == f"rows:{table}" and event.kind == "advance":
            raise Interrupted

    return on_progress


# --- a complete copy ---------------------------------------------------------------------------------
def test_copy_into_a_new_database_creates_the_schema_and_brings_every_row_verified(
    small_source: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"

    report = migrate_database(small_source, target)

    assert report.ok and report.revision == head_revision()
    assert database_rows(target) == database_rows(small_source)
    counts = _row_counts(small_source)
    assert report.rows_copied == sum(counts.values())
    for item in report.tables:
        assert item.verified and not item.problem and item.target_rows_before == 0
        assert item.status == ("empty" if item.name == EMPTY_TABLE else "copied"), item.name
        assert item.copied == item.source_rows == item.target_rows_after == counts[item.name]
        assert item.source_checksum == item.target_checksum or item.name == EMPTY_TABLE
    assert report.to_dict()["ok"] is True and report.to_dict()["rows_copied"] == report.rows_copied
    engine = make_engine(target)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
    engine.dispose()


def test_copy_into_postgresql_is_verified_against_what_postgresql_itself_prints(
    small_source: str, postgres_target: str
) -> None:
    report = migrate_database(small_source, postgres_target)

    assert report.ok
    assert all(item.verified and item.source_checksum == item.target_checksum for item in report.tables[1:])
    assert database_rows(postgres_target) == database_rows(small_source)
    source, target = make_engine(small_source), make_engine(postgres_target)
    with source.connect() as local, target.connect() as cloud:
        for table in Base.metadata.sorted_tables:
            assert table_checksum(local, table) == table_checksum(cloud, table), table.name
    source.dispose()
    target.dispose()


def test_new_rows_in_postgresql_get_ids_after_the_copied_ones(
    small_source: str, postgres_target: str
) -> None:
    report = migrate_database(small_source, postgres_target)

    assert report.sequences_reset == ["chart_versions.id"]
    engine = make_engine(postgres_target)
    with engine.begin() as connection:
        new_id = connection.execute(
            insert(ChartVersion)
            .values(
                chart_id="1" * 32, number=99, storage_key="versions/new.json", created_at=datetime.now(UTC)
            )
            .returning(ChartVersion.id)
        ).scalar_one()
    engine.dispose()
    assert new_id == SMALL_VERSIONS + 1


def test_sqlite_target_has_no_sequences_to_reset(small_source: str, sqlite_target: str) -> None:
    assert migrate_database(small_source, sqlite_target).sequences_reset == []


def test_children_stored_before_their_parent_folder_arrive_after_it_even_one_row_per_batch(
    small_source: str, any_target: str
) -> None:
    report = migrate_database(small_source, any_target, batch_size=1)

    assert report.ok and report.table("folders").copied == len(SMALL_FOLDERS)
    assert database_rows(any_target) == database_rows(small_source)


def test_progress_announces_each_table_with_its_rows_and_closes_it(
    small_source: str, sqlite_target: str
) -> None:
    events: list[ProgressEvent] = []

    migrate_database(small_source, sqlite_target, batch_size=5, on_progress=events.append)

    counts = _row_counts(small_source)
    copied = [name for name in TABLES if counts[name]]
    assert [e.stage for e in events if e.kind == "start"] == [f"rows:{name}" for name in copied]
    assert [e.stage for e in events if e.kind == "finish"] == [f"rows:{name}" for name in copied]
    for name in copied:
        mine = [e for e in events if e.stage == f"rows:{name}"]
        assert mine[0].total == counts[name] and mine[0].description == name
        assert sum(e.advance for e in mine if e.kind == "advance") == counts[name]
    versions = [e.advance for e in events if e.stage == "rows:chart_versions" and e.kind == "advance"]
    assert versions == [5, 5, 5, 5, 4]


def test_the_report_gives_the_copy_time_in_seconds_to_the_millisecond(
    small_source: str, sqlite_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([100.0, 102.34567])
    monkeypatch.setattr(database_copy, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))

    assert migrate_database(small_source, sqlite_target).seconds == 2.346


def test_a_batch_size_below_one_is_refused(small_source: str, sqlite_target: str) -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        migrate_database(small_source, sqlite_target, batch_size=0)


def test_the_number_of_accounts_that_can_sign_in_is_known_before_copying(
    small_source: str, sqlite_target: str
) -> None:
    with prepared_database_migration(small_source, sqlite_target) as copier:
        assert copier.sign_in_accounts == 1


# --- dry run -----------------------------------------------------------------------------------------
def test_dry_run_plans_every_table_and_writes_nothing(small_source: str, tmp_path: Path) -> None:
    target = f"sqlite:///{(tmp_path / 'new.db').as_posix()}"

    report = migrate_database(small_source, target, dry_run=True)

    assert report.ok and report.dry_run and report.rows_copied == 0 and report.sequences_reset == []
    assert {item.name: item.status for item in report.tables} == {
        name: "empty" if name == EMPTY_TABLE else "would copy" for name in TABLES
    }
    engine = make_engine(target)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_dry_run_merge_counts_the_differing_rows_and_writes_nothing(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)
    _change(
        sqlite_target,
        "UPDATE chart_versions SET message = 'cloud' WHERE id = 1",
        f"DELETE FROM chart_versions WHERE id = {SMALL_VERSIONS}",
        "DELETE FROM snapshots",
    )
    before = database_rows(sqlite_target)

    report = migrate_database(small_source, sqlite_target, dry_run=True, merge=True)

    assert database_rows(sqlite_target) == before
    versions = report.table("chart_versions")
    assert versions.status == "would merge" and versions.conflicts == 1 and versions.conflict_keys == ["1"]
    assert versions.skipped == SMALL_VERSIONS - 2 and versions.copied == 1 and not versions.verified
    assert report.table("snapshots").status == "would copy"
    assert report.table("users").status == "already complete"


def test_dry_run_into_a_target_holding_other_rows_is_refused_as_the_copy_would_be(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)
    _change(sqlite_target, "UPDATE charts SET title = 'cloud'")

    with pytest.raises(MigrationError, match=r"already holds other data \(charts \(3 rows\)\)"):
        migrate_database(small_source, sqlite_target, dry_run=True)


# --- resume ------------------------------------------------------------------------------------------
def test_running_again_after_a_complete_copy_verifies_every_table_and_writes_nothing(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)

    report = migrate_database(small_source, sqlite_target)

    assert report.ok and report.rows_copied == 0
    assert database_rows(sqlite_target) == database_rows(small_source)
    counts = _row_counts(small_source)
    for item in report.tables:
        assert item.status == ("empty" if item.name == EMPTY_TABLE else "already complete"), item.name
        assert item.verified and item.skipped == counts[item.name] == item.target_rows_after
        assert item.target_rows_before == counts[item.name]


def test_a_copy_stopped_in_the_middle_of_a_table_keeps_the_finished_tables_and_leaves_that_one_empty(
    small_source: str, any_target: str
) -> None:
    with pytest.raises(Interrupted):
        migrate_database(small_source, any_target, batch_size=5, on_progress=_interrupt_at("chart_versions"))

    counts, copied = _row_counts(small_source), _row_counts(any_target)
    assert copied["chart_versions"] == 0
    assert copied["charts"] == counts["charts"] and copied["users"] == counts["users"]


def test_a_copy_stopped_in_the_middle_resumes_without_losing_or_duplicating_rows(
    small_source: str, any_target: str
) -> None:
    with pytest.raises(Interrupted):
        migrate_database(small_source, any_target, batch_size=5, on_progress=_interrupt_at("chart_versions"))

    report = migrate_database(small_source, any_target, batch_size=5)

    assert report.ok
    assert report.table("charts").status == "already complete"
    assert report.table("chart_versions").status == "copied"
    assert report.table("chart_versions").copied == SMALL_VERSIONS
    assert database_rows(any_target) == database_rows(small_source)


# --- conflicts ---------------------------------------------------------------------------------------
def test_a_target_holding_other_rows_is_refused_naming_the_table_before_anything_is_written(
    small_source: str, sqlite_target: str
) -> None:
    _change(
        sqlite_target,
        "INSERT INTO app_settings (key, value, updated_at) VALUES ('cloud', '1', '2026-01-01 00:00:00')",
    )
    before = database_rows(sqlite_target)

    with pytest.raises(MigrationError) as caught:
        migrate_database(small_source, sqlite_target)

    assert str(caught.value) == (
        f"the target database {sqlite_target} already holds other data (app_settings (1 rows)): migrate "
        "into an empty database, or pass merge=True (--merge) to add the missing rows and report the "
        "differing ones"
    )
    assert database_rows(sqlite_target) == before


def test_a_table_with_as_many_rows_but_one_changed_is_not_taken_as_complete(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)
    _change(sqlite_target, "UPDATE users SET display_name = 'Ada L.' WHERE email = 'ada@example.org'")

    with pytest.raises(MigrationError, match=r"already holds other data \(users \(2 rows\)\)"):
        migrate_database(small_source, sqlite_target)


def test_the_refusal_names_at_most_five_of_the_tables_that_differ(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)
    differing = ["users", "teams", "folders", "charts", "chart_versions", "app_settings"]
    _change(
        sqlite_target,
        "UPDATE users SET display_name = 'x'",
        "UPDATE teams SET name = 'x'",
        "UPDATE folders SET name = 'x'",
        "UPDATE charts SET title = 'x'",
        "UPDATE chart_versions SET message = 'x'",
        "UPDATE app_settings SET value = '2'",
    )

    with pytest.raises(MigrationError) as caught:
        migrate_database(small_source, sqlite_target)

    ordered = [name for name in TABLES if name in differing]
    listed = ", ".join(f"{name} ({_row_counts(small_source)[name]} rows)" for name in ordered[:5])
    assert f"already holds other data ({listed}): " in str(caught.value)
    assert ordered[5] not in str(caught.value)


def test_merge_adds_the_missing_rows_and_reports_the_differing_ones_without_overwriting(
    small_source: str, any_target: str
) -> None:
    migrate_database(small_source, any_target)
    _change(
        any_target,
        "UPDATE users SET display_name = 'Cloud edit' WHERE email = 'ada@example.org'",
        "DELETE FROM chart_versions WHERE id <= 3",
        "UPDATE app_settings SET value = 'false' WHERE key = 'signup open'",
        "UPDATE memberships SET role = 'admin' WHERE role = 'member'",
    )

    report = migrate_database(small_source, any_target, merge=True)

    users, versions = report.table("users"), report.table("chart_versions")
    assert users.status == "merged" and users.conflicts == 1 and users.conflict_keys == ["u" * 32]
    assert users.skipped == 1 and users.copied == 0 and users.verified
    assert versions.status == "merged" and versions.copied == 3 and versions.skipped == SMALL_VERSIONS - 3
    assert versions.verified and versions.conflicts == 0 and versions.target_rows_after == SMALL_VERSIONS
    assert report.table("app_settings").conflict_keys == ["signup open"]
    assert report.table("memberships").conflict_keys == ["t" * 32 + "/" + "v" * 32]
    assert report.table("charts").status == "already complete"
    assert not report.ok
    engine = make_engine(any_target)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT display_name FROM users ORDER BY email")).scalars().all()
    engine.dispose()
    assert names == ["Cloud edit", "Local\\user"]


def test_merge_of_a_complete_copy_with_a_missing_table_is_ok(small_source: str, sqlite_target: str) -> None:
    migrate_database(small_source, sqlite_target)
    _change(sqlite_target, "DELETE FROM chart_versions WHERE id > 1")

    report = migrate_database(small_source, sqlite_target, merge=True)

    assert report.ok
    assert database_rows(sqlite_target) == database_rows(small_source)


def test_merge_announces_each_merged_table_with_its_rows_and_closes_it(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)
    _change(sqlite_target, "DELETE FROM chart_versions WHERE id <= 3")
    events: list[ProgressEvent] = []

    report = migrate_database(
        small_source, sqlite_target, merge=True, batch_size=10, on_progress=events.append
    )

    assert [(e.stage, e.kind, e.total, e.advance, e.description) for e in events] == [
        ("rows:chart_versions", "start", SMALL_VERSIONS, 0, "chart_versions"),
        ("rows:chart_versions", "advance", 0, 10, ""),
        ("rows:chart_versions", "advance", 0, 10, ""),
        ("rows:chart_versions", "advance", 0, 4, ""),
        ("rows:chart_versions", "finish", 0, 0, ""),
    ]
    assert report.table("chart_versions").copied == 3


def test_merge_lists_twenty_differing_keys_but_counts_them_all(small_source: str, sqlite_target: str) -> None:
    migrate_database(small_source, sqlite_target)
    _change(sqlite_target, "UPDATE chart_versions SET message = 'cloud'")

    report = migrate_database(small_source, sqlite_target, merge=True)

    versions = report.table("chart_versions")
    assert versions.conflicts == SMALL_VERSIONS
    assert versions.conflict_keys == [str(n) for n in range(1, 21)]


def test_merge_reports_a_row_that_would_break_a_unique_key_and_adds_the_others(
    small_source: str, any_target: str
) -> None:
    migrate_database(small_source, any_target)
    # The cloud already has version 1 of the first chart under another id.
    _change(
        any_target,
        "DELETE FROM chart_versions WHERE id IN (1, 2)",
        "INSERT INTO chart_versions (id, chart_id, number, storage_key, message, created_at) "
        f"VALUES (100, '{'1' * 32}', 1, 'versions/cloud.json', 'cloud', '2026-01-01 00:00:00+00')",
    )

    report = migrate_database(small_source, any_target, merge=True)

    versions = report.table("chart_versions")
    assert versions.conflicts == 1 and versions.conflict_keys == [f"1 ({CONFLICT})"]
    assert versions.copied == 1 and versions.verified
    assert not report.ok
    ids = [row[0] for row in database_rows(any_target)["chart_versions"]]
    assert 2 in ids and 1 not in ids and 100 in ids


def test_merge_reports_a_local_account_whose_email_the_cloud_uses_and_its_team_membership(
    small_source: str, any_target: str
) -> None:
    migrate_database(small_source, any_target)
    # In the cloud, the same person signed up again: same e-mail, another id (the old one is gone).
    _change(
        any_target,
        "DELETE FROM memberships WHERE user_id = '" + "v" * 32 + "'",
        "DELETE FROM users WHERE email = 'local@localhost'",
        "INSERT INTO users (id, email, display_name, is_admin, is_active, created_at, updated_at) "
        f"VALUES ('{'w' * 32}', 'local@localhost', 'cloud', false, true, '2026-01-01 00:00:00+00', "
        "'2026-01-01 00:00:00+00')",
    )

    report = migrate_database(small_source, any_target, merge=True)

    assert report.table("users").conflict_keys == ["v" * 32 + f" ({CONFLICT})"]
    assert report.table("memberships").conflict_keys == ["t" * 32 + "/" + "v" * 32 + f" ({CONFLICT})"]
    assert not report.ok


# --- verification --------------------------------------------------------------------------------------
# A trigger stands for a target that stores something else than it was sent (a lossy type, a rule).
_ALTERING_TRIGGER = (
    "CREATE TRIGGER alter_message AFTER INSERT ON chart_versions BEGIN "
    "UPDATE chart_versions SET message = 'altered' WHERE id = NEW.id AND NEW.id = 2; END"
)


def test_a_copy_the_target_stored_differently_is_reported_as_unverified(
    small_source: str, sqlite_target: str
) -> None:
    _change(sqlite_target, _ALTERING_TRIGGER)

    report = migrate_database(small_source, sqlite_target)

    versions = report.table("chart_versions")
    assert not versions.verified and versions.source_checksum != versions.target_checksum
    assert versions.problem == "the copied rows do not match the source (checksum differs); run again"
    assert versions.status == "copied" and versions.target_rows_after == SMALL_VERSIONS
    assert not report.ok
    assert report.table("charts").verified


def test_a_merge_the_target_stored_differently_is_reported_as_unverified(
    small_source: str, sqlite_target: str
) -> None:
    migrate_database(small_source, sqlite_target)
    _change(sqlite_target, "DELETE FROM chart_versions WHERE id IN (2, 3)", _ALTERING_TRIGGER)

    report = migrate_database(small_source, sqlite_target, merge=True)

    versions = report.table("chart_versions")
    assert not versions.verified and versions.conflicts == 0
    assert versions.problem == "merged rows do not match the source (checksum differs); run again"
    assert not report.ok


# --- errors --------------------------------------------------------------------------------------------
def _break_locally(source: str, statement: str) -> None:
    """Change the local database without its foreign keys (an old install did not enforce them)."""
    engine = make_engine(source)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql(statement)
    engine.dispose()


def _orphan_version(source: str, version: int = 7) -> None:
    """A history row whose chart is gone."""
    _break_locally(source, f"UPDATE chart_versions SET chart_id = 'gone' WHERE id = {version}")


def test_an_orphan_row_in_the_local_database_stops_the_copy_with_one_sentence(
    small_source: str, sqlite_target: str
) -> None:
    _orphan_version(small_source)

    with pytest.raises(MigrationError) as caught:
        migrate_database(small_source, sqlite_target)

    assert str(caught.value) == (
        "cannot copy table chart_versions (FOREIGN KEY constraint failed): the local database has rows that "
        "break its rules; fix them locally and run again (tables copied so far are kept and verified)"
    )
    copied = _row_counts(sqlite_target)
    assert copied["chart_versions"] == 0 and copied["charts"] == 3


@pytest.mark.parametrize(
    ("bulk_rows", "version"),
    [(2, 7), (10**9, 7), (10**9, SMALL_VERSIONS)],
    ids=["bulk", "row-by-row", "row-by-row-in-the-last-batch"],
)
def test_an_orphan_row_stops_the_copy_into_postgresql_naming_the_broken_key(
    small_source: str, postgres_target: str, monkeypatch: pytest.MonkeyPatch, bulk_rows: int, version: int
) -> None:
    monkeypatch.setattr(database_copy, "BULK_ROWS", bulk_rows)
    _orphan_version(small_source, version)

    with pytest.raises(MigrationError) as caught:
        migrate_database(small_source, postgres_target, batch_size=5)

    assert re.fullmatch(
        r'cannot copy table chart_versions \(insert or update on table "chart_versions" violates foreign key '
        r'constraint "\w+"\): the local database has rows that break its rules; fix them locally and run '
        r"again \(tables copied so far are kept and verified\)",
        str(caught.value),
    )
    copied = _row_counts(postgres_target)
    assert copied["chart_versions"] == 0 and copied["charts"] == 3


def test_folders_in_a_loop_stop_the_copy_with_one_sentence_instead_of_hanging(
    small_source: str, sqlite_target: str
) -> None:
    # The grandchild's parent and the root point at each other (the grandchild is read first).
    child, root = SMALL_FOLDERS[1], SMALL_FOLDERS[3]
    _break_locally(small_source, f"UPDATE folders SET parent_id = '{child}' WHERE id = '{root}'")

    with pytest.raises(MigrationError, match=r"^cannot copy table folders \(FOREIGN KEY constraint failed\)"):
        migrate_database(small_source, sqlite_target)


def test_a_target_missing_one_of_our_tables_is_refused_as_not_a_story_analytics_database(
    small_source: str, sqlite_target: str
) -> None:
    _change(sqlite_target, "DROP TABLE snapshots")

    with pytest.raises(MigrationError) as caught:
        migrate_database(small_source, sqlite_target)

    assert str(caught.value) == (
        f"cannot read the target database {sqlite_target} (no such table: snapshots): is it a Story "
        "Analytics database? run `story-analytics db upgrade` against it or use an empty one"
    )


def _schema(url: str) -> dict[str, object]:
    engine = make_engine(url)
    inspector = inspect(engine)
    found = {
        table: (
            sorted(map(repr, inspector.get_indexes(table))),
            sorted(map(repr, inspector.get_unique_constraints(table))),
            sorted(map(repr, inspector.get_foreign_keys(table))),
        )
        for table in inspector.get_table_names()
    }
    engine.dispose()
    return found


def test_a_bulk_copy_into_postgresql_rebuilds_every_index_and_constraint(
    small_source: str, postgres_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_copy, "BULK_ROWS", 2)  # every table with 2+ rows takes the bulk path
    before = _schema(postgres_target)

    report = migrate_database(small_source, postgres_target, batch_size=5)

    assert report.ok
    assert _schema(postgres_target) == before
    assert database_rows(postgres_target) == database_rows(small_source)


def test_a_bulk_copy_into_postgresql_whose_indexes_other_objects_need_keeps_them_in_place(
    small_source: str, postgres_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_copy, "BULK_ROWS", 2)
    # The cloud database has a table of its own whose foreign key needs the unique index on users.email.
    _change(postgres_target, "CREATE TABLE audit (email varchar(320) REFERENCES users (email))")
    before = _schema(postgres_target)
    try:
        report = migrate_database(small_source, postgres_target, batch_size=5)
        after = _schema(postgres_target)
    finally:
        _change(postgres_target, "DROP TABLE audit")

    assert report.ok
    assert after == before
    assert database_rows(postgres_target) == database_rows(small_source)


# --- the compared text ---------------------------------------------------------------------------------
def test_a_timestamp_in_another_zone_is_compared_as_its_utc_time() -> None:
    moment = datetime(2026, 3, 1, 14, 30, 15, 500000, tzinfo=timezone(timedelta(hours=2)))

    assert _timestamp_text(moment) == "2026-03-01 12:30:15.5+00"


def test_a_row_split_across_two_chunks_of_postgresql_output_is_read_whole() -> None:
    lines: list[str] = []
    sink = _LineSink(lines.append)

    sink.write(b"1\tfirst\n2\tsec")
    sink.write(b"ond\n")

    assert lines == ["1\tfirst", "2\tsecond"]
