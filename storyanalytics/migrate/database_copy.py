"""Copy the metadata database (SQLite on the laptop) into the cloud database (PostgreSQL), verified.

Rows are read and written through the models' table definitions, so types convert the way the app
expects (UTC-aware timestamps, JSON as JSON, booleans as booleans) and primary keys are kept.
Each table is copied in one transaction, in foreign-key order (self-referencing rows, such as
folders, parents first), with PostgreSQL's COPY as the fast path; sequences are reset afterwards.

Verification: every table's rows are normalized the same way on both sides (values rendered from
their Python types, JSON with sorted keys) and hashed one row at a time; a table's checksum is the
row count plus the sum of its row hashes modulo 2**256. The sum does not depend on row order, so
both databases can be read in whatever order is fastest (SQLite and PostgreSQL sort text keys
differently), and a duplicated, missing or changed row changes it.

Re-running is safe: a table whose target rows already equal the source's (same checksum) is
verified and skipped, an empty one is copied, and one holding other rows is refused before anything
is written unless `merge=True`, which adds the missing rows and reports rows whose keys exist with
other content as conflicts, never overwriting them.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Connection, Integer, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from storyanalytics.db.models import Base
from storyanalytics.db.schema import head_revision, upgrade
from storyanalytics.db.types import UTCDateTime
from storyanalytics.migrate.checks import (
    DatabaseState,
    check_distinct,
    check_source_revision,
    check_target_revision,
    inspect_database,
)
from storyanalytics.migrate.errors import MigrationError
from storyanalytics.migrate.progress import ProgressCallback, ProgressEvent

_MODULUS = 1 << 256
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


# --- normalization and checksums -------------------------------------------------------------------
def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalizer(column: Column[Any]) -> Callable[[Any], str]:
    kind = column.type
    if isinstance(kind, JSON):
        return _json_text
    if isinstance(kind, UTCDateTime):
        return lambda value: value.astimezone(UTC).isoformat()
    if isinstance(kind, Boolean):
        return lambda value: "t" if value else "f"
    return str


class _Digester:
    """Per-row SHA-256 of the normalized values, and the order-free table checksum."""

    def __init__(self, table: Table) -> None:
        self.normalizers = [_normalizer(column) for column in table.columns]
        self.json_columns = {i for i, column in enumerate(table.columns) if isinstance(column.type, JSON)}
        self.count = 0
        self.total = 0

    def row(self, row: Sequence[Any]) -> bytes:
        parts = []
        for index, (value, normalize) in enumerate(zip(row, self.normalizers, strict=True)):
            if value is None and index not in self.json_columns:
                parts.append("\\N")
            else:
                rendered = normalize(value)
                parts.append(f"{len(rendered)}:{rendered}")
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()

    def add(self, digest: bytes) -> None:
        self.count += 1
        self.total = (self.total + int.from_bytes(digest, "big")) % _MODULUS

    @property
    def checksum(self) -> str:
        return f"{self.count}:{self.total:064x}"


def _rows(connection: Connection, table: Table, batch_size: int) -> Iterator[Sequence[Sequence[Any]]]:
    result = connection.execute(select(table).execution_options(yield_per=batch_size))
    yield from result.partitions()


def table_checksum(connection: Connection, table: Table, batch_size: int = 5000) -> str:
    """The checksum of a table's rows as the app reads them (see the module docstring)."""
    digester = _Digester(table)
    for batch in _rows(connection, table, batch_size):
        for row in batch:
            digester.add(digester.row(row))
    return digester.checksum


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _key_text(row: Sequence[Any], key_indexes: list[int]) -> str:
    return "/".join(str(row[i]) for i in key_indexes)


# --- writing ----------------------------------------------------------------------------------------
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_formatter(column: Column[Any]) -> Callable[[Any], str]:
    """How PostgreSQL's COPY text format spells a value of this column."""
    kind = column.type
    if isinstance(kind, JSON):
        # SQLAlchemy stores Python None in a JSON column as JSON null; do the same.
        return lambda value: json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    if isinstance(kind, UTCDateTime):
        return lambda value: "\\N" if value is None else value.astimezone(UTC).isoformat()
    if isinstance(kind, Boolean):
        return lambda value: "\\N" if value is None else ("t" if value else "f")
    return lambda value: "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


class _Writer:
    """Inserts batches of rows in the target's open transaction: COPY on PostgreSQL, else executemany."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection = connection
        self.table = table
        self.columns = list(table.columns)
        self.is_postgres = connection.dialect.name == "postgresql"
        self.formatters = [_copy_formatter(column) for column in self.columns]
        names = ", ".join(f'"{column.name}"' for column in self.columns)
        self.copy_sql = f'COPY "{table.name}" ({names}) FROM STDIN'

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.is_postgres:
            formatters = self.formatters
            lines = "".join(
                "\t".join([fmt(value) for fmt, value in zip(formatters, row, strict=True)]) + "\n"
                for row in rows
            )
            dbapi = self.connection.connection.dbapi_connection
            assert dbapi is not None
            cursor: Any = dbapi.cursor()
            try:
                cursor.copy_expert(self.copy_sql, io.StringIO(lines))
            finally:
                cursor.close()
            return
        names = [column.key for column in self.columns]
        self.connection.execute(insert(self.table), [dict(zip(names, row, strict=True)) for row in rows])


def _parents_first(table: Table, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
    """Order rows so a row referencing its own table comes after the row it references."""
    self_keys = [
        (table.columns.keys().index(fk.parent.name), table.columns.keys().index(fk.column.name))
        for fk in table.foreign_keys
        if fk.column.table is table
    ]
    if not self_keys:
        return rows
    child_index, parent_index = self_keys[0]
    by_key = {row[parent_index]: row for row in rows}
    depth: dict[Any, int] = {}

    def depth_of(row: Sequence[Any]) -> int:
        chain: list[Any] = []
        current: Sequence[Any] | None = row
        while current is not None and current[parent_index] not in depth:
            chain.append(current[parent_index])
            if len(chain) > len(rows):  # a cycle: leave the rest in source order
                break
            parent = current[child_index]
            current = by_key.get(parent) if parent is not None else None
        base = (
            depth[current[parent_index]] + 1 if current is not None and current[parent_index] in depth else 0
        )
        for offset, key in enumerate(reversed(chain)):
            depth[key] = base + offset
        return depth.get(row[parent_index], 0)

    return sorted(rows, key=depth_of)


# --- the migration ---------------------------------------------------------------------------------
class _DatabaseCopier:
    def __init__(
        self,
        source: DatabaseState,
        target: DatabaseState,
        *,
        dry_run: bool,
        merge: bool,
        batch_size: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.source = source
        self.target = target
        self.dry_run = dry_run
        self.merge = merge
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.tables = list(Base.metadata.sorted_tables)

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def plan(self) -> list[TableReport]:
        """Count rows, and checksum the tables the target already has rows in; writes nothing."""
        reports: list[TableReport] = []
        target_has_schema = self.target.revision is not None
        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            for table in self.tables:
                report = TableReport(table.name, source_rows=_count(source, table))
                if target_has_schema:
                    report.target_rows_before = _count(target, table)
                if report.target_rows_before:
                    report.source_checksum = table_checksum(source, table, self.batch_size)
                    report.target_checksum = table_checksum(target, table, self.batch_size)
                    if report.source_checksum == report.target_checksum:
                        report.status = "already complete"
                        report.skipped = report.source_rows
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

    def copy_table(self, table: Table, report: TableReport) -> None:
        self._emit(
            ProgressEvent(f"rows:{table.name}", "start", total=report.source_rows, description=table.name)
        )
        digester = _Digester(table)
        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            with target.begin():
                writer = _Writer(target, table)
                for batch in self._source_batches(source, table):
                    for row in batch:
                        digester.add(digester.row(row))
                    writer.write(batch)
                    self._emit(ProgressEvent(f"rows:{table.name}", "advance", advance=len(batch)))
            report.copied = digester.count
            report.source_checksum = digester.checksum
            report.target_checksum = table_checksum(target, table, self.batch_size)
            report.target_rows_after = int(report.target_checksum.split(":")[0])
        report.status = "copied"
        report.verified = report.source_checksum == report.target_checksum
        if not report.verified:
            report.problem = "the copied rows do not match the source (checksum differs); run again"
        self._emit(ProgressEvent(f"rows:{table.name}", "finish"))

    def _source_batches(self, source: Connection, table: Table) -> Iterator[Sequence[Sequence[Any]]]:
        if any(fk.column.table is table for fk in table.foreign_keys):
            rows = _parents_first(
                table, [row for batch in _rows(source, table, self.batch_size) for row in batch]
            )
            for start in range(0, len(rows), self.batch_size):
                yield rows[start : start + self.batch_size]
            return
        yield from _rows(source, table, self.batch_size)

    def merge_table(self, table: Table, report: TableReport) -> None:
        """Insert rows whose keys are missing; compare the others; never overwrite."""
        self._emit(
            ProgressEvent(f"rows:{table.name}", "start", total=report.source_rows, description=table.name)
        )
        key_indexes = [table.columns.keys().index(column.name) for column in table.primary_key.columns]
        digester = _Digester(table)
        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            existing = {
                tuple(row[i] for i in key_indexes): digester.row(row)
                for batch in _rows(target, table, self.batch_size)
                for row in batch
            }
            target.rollback()  # end the read's implicit transaction; the merge runs in its own
            expected: dict[tuple[Any, ...], bytes] = {}
            conflicts: list[str] = []
            with target.begin():
                writer = _Writer(target, table)
                for batch in self._source_batches(source, table):
                    missing = []
                    for row in batch:
                        key = tuple(row[i] for i in key_indexes)
                        digest = digester.row(row)
                        if key not in existing:
                            missing.append(row)
                            expected[key] = digest
                        elif existing[key] == digest:
                            report.skipped += 1
                            expected[key] = digest
                        else:
                            conflicts.append(_key_text(row, key_indexes))
                    if not self.dry_run:
                        rejected = self._insert_each_safely(target, writer, missing)
                        for row in rejected:
                            expected.pop(tuple(row[i] for i in key_indexes), None)
                            conflicts.append(
                                _key_text(row, key_indexes) + " (violates a unique or foreign key)"
                            )
                        report.copied += len(missing) - len(rejected)
                    else:
                        report.copied += len(missing)
                    self._emit(ProgressEvent(f"rows:{table.name}", "advance", advance=len(batch)))
            report.conflicts = len(conflicts)
            report.conflict_keys = conflicts[:_LISTED_KEYS]
            report.status = "would merge" if self.dry_run else "merged"
            if self.dry_run:
                report.verified = True
                return
            after = {
                tuple(row[i] for i in key_indexes): digester.row(row)
                for batch in _rows(target, table, self.batch_size)
                for row in batch
            }
        report.target_rows_after = len(after)
        report.verified = all(after.get(key) == digest for key, digest in expected.items())
        if not report.verified:
            report.problem = "merged rows do not match the source (checksum differs); run again"
        self._emit(ProgressEvent(f"rows:{table.name}", "finish"))

    def _insert_each_safely(
        self, target: Connection, writer: _Writer, rows: list[Sequence[Any]]
    ) -> list[Sequence[Any]]:
        """Insert a batch; if the database refuses it, insert row by row and return the refused rows."""
        if not rows:
            return []
        # COPY goes straight to the driver, so its errors arrive unwrapped.
        refused = (DBAPIError, target.dialect.loaded_dbapi.Error)
        try:
            with target.begin_nested():
                writer.write(rows)
            return []
        except refused:
            pass
        rejected = []
        for row in rows:
            try:
                with target.begin_nested():
                    writer.write([row])
            except refused:
                rejected.append(row)
        return rejected

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
                self.copy_table(table, item)
            elif item.status in {"merge", "would merge"}:
                self.merge_table(table, item)
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
            yield copier
        finally:
            target.engine.dispose()
    finally:
        source.engine.dispose()


def migrate_database(
    source_url: str,
    target_url: str,
    *,
    dry_run: bool = False,
    batch_size: int = 5000,
    on_progress: ProgressCallback | None = None,
    merge: bool = False,
) -> DatabaseReport:
    """Copy every table of `source_url` into `target_url` (brought to the head schema), verified.

    Refuses, before writing anything, an unreachable database, a source not exactly at the code's
    schema, a target newer than the code, and a target that holds other rows (unless `merge=True`).
    """
    with prepared_database_migration(
        source_url, target_url, dry_run=dry_run, batch_size=batch_size, on_progress=on_progress, merge=merge
    ) as copier:
        return copier.run()
