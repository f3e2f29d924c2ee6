"""Copy the metadata database (SQLite on the laptop) into the cloud database (PostgreSQL), verified.

Rows are read and written through the models' table definitions, so types convert the way the app
expects (UTC-aware timestamps, JSON as JSON, booleans as booleans) and primary keys are kept.
Each table is copied in one transaction, in foreign-key order (self-referencing rows, such as
folders, parents first), with PostgreSQL's COPY as the fast path; sequences are reset afterwards.

Verification compares checksums of the normalized rows (see `copy_text`); rows are written by
`table_writer`.

Re-running is safe: a table whose target rows already equal the source's (same checksum) is
verified and skipped, an empty one is copied, and one holding other rows is refused before anything
is written unless `merge=True`, which adds the missing rows and reports rows whose keys exist with
other content as conflicts, never overwriting them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict, Unpack

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from storyanalytics.db.models import Base
from storyanalytics.db.schema import head_revision, upgrade
from storyanalytics.migrate.checks import (
    DatabaseState,
    check_distinct,
    check_source_revision,
    check_target_revision,
    count_sign_in_accounts,
    inspect_database,
)
from storyanalytics.migrate.copy_text import (
    Checksum,
    TableText,
    line_digest,
    scan_target,
    target_checksum,
)
from storyanalytics.migrate.errors import MigrationError
from storyanalytics.migrate.progress import ProgressCallback, ProgressEvent
from storyanalytics.migrate.table_writer import Writer, drop_secondary, parents_first, restore_secondary

# How many differing keys a report lists per table (the counts are always complete).
_LISTED_KEYS = 20


@dataclass
class TableReport:
    name: str
    status: str = ""  # copied | already complete | merged | empty | would copy | would merge
    source_rows: int = 0
    target_rows_before: int = 0
    target_rows_after: int = 0
    copied: int = 0
    skipped: int = 0
    conflicts: int = 0
    conflict_keys: list[str] = field(default_factory=list)
    source_checksum: str = ""
    target_checksum: str = ""
    verified: bool = False
    problem: str = ""


@dataclass
class DatabaseReport:
    source: str
    target: str
    revision: str
    dry_run: bool = False
    merge: bool = False
    tables: list[TableReport] = field(default_factory=list)
    sequences_reset: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all((t.verified or self.dry_run) and not t.conflicts and not t.problem for t in self.tables)

    @property
    def rows_copied(self) -> int:
        return sum(t.copied for t in self.tables)

    def table(self, name: str) -> TableReport:
        return next(t for t in self.tables if t.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok, "rows_copied": self.rows_copied}


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


# Above this many rows, indexes and constraints are rebuilt after the COPY instead of row by row.
BULK_ROWS = 20_000


# --- the migration ---------------------------------------------------------------------------------
@dataclass
class _DatabaseCopier:
    """One planned copy between two checked databases: `plan()` reads, `run()` writes and verifies."""

    source: DatabaseState
    target: DatabaseState
    dry_run: bool
    merge: bool
    batch_size: int
    on_progress: ProgressCallback | None
    tables: list[Table] = field(default_factory=lambda: list(Base.metadata.sorted_tables))
    sign_in_accounts: int = 0

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def _source_checksum(self, source: Connection, table: Table) -> str:
        checksum = Checksum()
        for _rows, lines in self._source_batches(source, TableText(table)):
            for line in lines:
                checksum.add(line)
        return checksum.value

    def plan(self) -> list[TableReport]:
        """Count rows, and checksum the tables the target already has rows in; writes nothing."""
        reports: list[TableReport] = []
        target_has_schema = self.target.revision is not None
        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            for table in self.tables:
                report = TableReport(table.name, source_rows=_count(source, table))
                if target_has_schema:
                    report.target_rows_before = _count(target, table)
                    target.rollback()
                if report.target_rows_before:
                    report.source_checksum = self._source_checksum(source, table)
                    report.target_checksum = target_checksum(target, TableText(table))
                    if report.source_checksum == report.target_checksum:
                        report.status = "already complete"
                        report.skipped = report.source_rows
                        report.target_rows_after = report.target_rows_before
                        report.verified = True
                    else:
                        report.status = "would merge" if self.dry_run else "merge"
                elif report.source_rows == 0:
                    report.status = "empty"
                else:
                    report.status = "would copy" if self.dry_run else "copy"
                reports.append(report)
        clashing = [r for r in reports if r.status in {"merge", "would merge"}]
        if clashing and not self.merge:
            listed = ", ".join(f"{r.name} ({r.target_rows_before} rows)" for r in clashing[:5])
            raise MigrationError(
                f"the target database {self.target.label} already holds other data ({listed}): migrate "
                "into an empty database, or pass merge=True (--merge) to add the missing rows and "
                "report the differing ones"
            )
        return reports

    def _source_batches(
        self, source: Connection, text_form: TableText
    ) -> Iterator[tuple[Sequence[Sequence[Any]], list[str]]]:
        """The source's rows through the models (so types convert), with their COPY text lines."""
        table = text_form.table
        result = source.execute(select(table).execution_options(yield_per=self.batch_size))
        batches: Iterable[Sequence[Sequence[Any]]] = result.partitions()
        if any(fk.column.table is table for fk in table.foreign_keys):
            rows = parents_first(table, [row for batch in batches for row in batch])
            batches = (rows[i : i + self.batch_size] for i in range(0, len(rows), self.batch_size))
        line = text_form.line
        for batch in batches:
            yield batch, [line(row) for row in batch]

    def copy_table(self, table: Table, report: TableReport) -> None:
        stage = f"rows:{table.name}"
        self._emit(ProgressEvent(stage, "start", total=report.source_rows, description=table.name))
        text_form = TableText(table)
        checksum = Checksum()
        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            with target.begin():
                bulk = report.source_rows >= BULK_ROWS and target.dialect.name == "postgresql"
                deferred = drop_secondary(target, table) if bulk else []
                with Writer(target, text_form, pipelined=True) as writer:
                    for rows, lines in self._source_batches(source, text_form):
                        for line in lines:
                            checksum.add(line)
                        writer.write(rows, lines)
                        self._emit(ProgressEvent(stage, "advance", advance=len(rows)))
                restore_secondary(target, deferred)
            report.copied = checksum.count
            report.source_checksum = checksum.value
            report.target_checksum = target_checksum(target, text_form)
        report.target_rows_after = int(report.target_checksum.split(":")[0])
        report.status = "copied"
        report.verified = report.source_checksum == report.target_checksum
        if not report.verified:
            report.problem = "the copied rows do not match the source (checksum differs); run again"
        self._emit(ProgressEvent(stage, "finish"))

    def merge_table(self, table: Table, report: TableReport) -> None:
        """Insert rows whose keys are missing; compare the others; never overwrite."""
        stage = f"rows:{table.name}"
        self._emit(ProgressEvent(stage, "start", total=report.source_rows, description=table.name))
        text_form = TableText(table)

        def stored() -> dict[tuple[str, ...], int]:
            found: dict[tuple[str, ...], int] = {}
            scan_target(
                target, text_form, lambda line: found.__setitem__(text_form.key(line), line_digest(line))
            )
            target.rollback()
            return found

        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            existing = stored()
            expected: dict[tuple[str, ...], int] = {}
            conflicts: list[str] = []
            with target.begin(), Writer(target, text_form) as writer:
                for rows, lines in self._source_batches(source, text_form):
                    missing: list[tuple[Sequence[Any], str]] = []
                    for row, line in zip(rows, lines, strict=True):
                        key, digest = text_form.key(line), line_digest(line)
                        if key not in existing:
                            missing.append((row, line))
                            expected[key] = digest
                        elif existing[key] == digest:
                            report.skipped += 1
                            expected[key] = digest
                        else:
                            conflicts.append("/".join(key))
                    rejected = [] if self.dry_run else self._insert_each_safely(target, writer, missing)
                    for line in rejected:
                        expected.pop(text_form.key(line), None)
                        conflicts.append("/".join(text_form.key(line)) + " (breaks a unique or foreign key)")
                    report.copied += len(missing) - len(rejected)
                    self._emit(ProgressEvent(stage, "advance", advance=len(rows)))
            report.conflicts = len(conflicts)
            report.conflict_keys = conflicts[:_LISTED_KEYS]
            report.status = "would merge" if self.dry_run else "merged"
            if not self.dry_run:
                after = stored()
                report.target_rows_after = len(after)
                report.verified = all(after.get(key) == digest for key, digest in expected.items())
                if not report.verified:
                    report.problem = "merged rows do not match the source (checksum differs); run again"
        self._emit(ProgressEvent(stage, "finish"))

    def _insert_each_safely(
        self, target: Connection, writer: Writer, rows: list[tuple[Sequence[Any], str]]
    ) -> list[str]:
        """Insert a batch; if the database refuses it, insert row by row; return the refused rows' lines."""
        if not rows:
            return []
        # COPY goes straight to the driver, so its errors arrive unwrapped.
        refused = (DBAPIError, target.dialect.loaded_dbapi.Error)
        try:
            with target.begin_nested():
                writer.write([row for row, _ in rows], [line for _, line in rows])
            return []
        except refused:
            pass
        rejected = []
        for row, line in rows:
            try:
                with target.begin_nested():
                    writer.write([row], [line])
            except refused:
                rejected.append(line)
        return rejected

    def _guarded(self, step: Callable[[Table, TableReport], None], table: Table, report: TableReport) -> None:
        """A row the target refuses (an orphan, a duplicate) stops the run with one sentence."""
        dbapi_error = self.target.engine.dialect.loaded_dbapi.Error
        try:
            step(table, report)
        except (DBAPIError, dbapi_error) as exc:
            original = getattr(exc, "orig", exc)
            reason = (str(original).strip().splitlines() or [type(original).__name__])[0]
            raise MigrationError(
                f"cannot copy table {table.name} ({reason}): the local database has rows that break "
                "its rules; fix them locally and run again (tables copied so far are kept and verified)"
            ) from None

    def reset_sequences(self) -> list[str]:
        """After copying explicit ids, make PostgreSQL's next generated id follow the largest one."""
        if self.target.engine.dialect.name != "postgresql":
            return []
        reset = []
        with self.target.engine.begin() as target:
            for table in self.tables:
                column = table.autoincrement_column
                if column is None or not isinstance(column.type, Integer):
                    continue
                target.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                        f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"table": table.name, "column": column.name},
                )
                reset.append(f"{table.name}.{column.name}")
        return reset

    def prepare(self) -> None:
        """Every check that needs both databases, including the plan; writes nothing."""
        self.report = DatabaseReport(
            self.source.label, self.target.label, head_revision(), dry_run=self.dry_run, merge=self.merge
        )
        try:
            self.report.tables = self.plan()
        except DBAPIError as exc:
            reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
            raise MigrationError(
                f"cannot read the target database {self.target.label} ({reason}): is it a Story Analytics "
                "database? run `story-analytics db upgrade` against it or use an empty one"
            ) from None

    def run(self) -> DatabaseReport:
        """Upgrade the target, then copy or merge each table as planned, then reset sequences."""
        started = time.perf_counter()
        report = self.report
        if not self.dry_run and self.target.revision != head_revision():
            upgrade(self.target.engine)
            self.target = DatabaseState(self.target.engine, head_revision(), self.target.label)
        by_name = {t.name: t for t in report.tables}
        for table in self.tables:
            item = by_name[table.name]
            if item.status == "copy":
                self._guarded(self.copy_table, table, item)
            elif item.status in {"merge", "would merge"}:
                self._guarded(self.merge_table, table, item)
            elif item.status == "empty":
                item.verified = True
        if not self.dry_run:
            report.sequences_reset = self.reset_sequences()
        report.seconds = round(time.perf_counter() - started, 3)
        return report


@contextmanager
def prepared_database_migration(
    source_url: str,
    target_url: str,
    *,
    dry_run: bool = False,
    batch_size: int = 5000,
    on_progress: ProgressCallback | None = None,
    merge: bool = False,
) -> Iterator[_DatabaseCopier]:
    """Check both databases and plan the copy (nothing written); `.run()` on the result copies."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    source = inspect_database(source_url, "source")
    try:
        check_source_revision(source)
        target = inspect_database(target_url, "target")
        try:
            check_target_revision(target)
            check_distinct(source, target)
            copier = _DatabaseCopier(
                source, target, dry_run=dry_run, merge=merge, batch_size=batch_size, on_progress=on_progress
            )
            copier.prepare()
            copier.sign_in_accounts = count_sign_in_accounts(source)
            yield copier
        finally:
            target.engine.dispose()
    finally:
        source.engine.dispose()


class CopyOptions(TypedDict, total=False):
    """The keyword options of `prepared_database_migration` (its defaults apply)."""

    dry_run: bool
    batch_size: int
    on_progress: ProgressCallback | None
    merge: bool


def migrate_database(source_url: str, target_url: str, **options: Unpack[CopyOptions]) -> DatabaseReport:
    """Copy every table of `source_url` into `target_url` (brought to the head schema), verified.

    Refuses, before writing anything, an unreachable database, a source not exactly at the code's
    schema, a target newer than the code, and a target that holds other rows (unless `merge=True`).
    """
    with prepared_database_migration(source_url, target_url, **options) as copier:
        return copier.run()
