"""Copy the metadata database (SQLite on the laptop) into the cloud database (PostgreSQL), verified.

Rows are read and written through the models' table definitions, so types convert the way the app
expects (UTC-aware timestamps, JSON as JSON, booleans as booleans) and primary keys are kept.
Each table is copied in one transaction, in foreign-key order (self-referencing rows, such as
folders, parents first), with PostgreSQL's COPY as the fast path; sequences are reset afterwards.

Verification: rows are normalized into PostgreSQL's COPY text form (UTC timestamps as PostgreSQL
prints them, booleans t/f, JSON as the app's serializer writes it, COPY escapes). On the source side
Python renders each row read through the models; on a PostgreSQL target the server prints what it
stored (`COPY ... TO STDOUT` with TimeZone=UTC), on other targets the same Python rendering is used.
Each line is hashed; a table's checksum is the row count plus the sum of its line hashes modulo
2**256. The sum does not depend on row order, so each side is read in whatever order is fastest
(SQLite and PostgreSQL sort text keys differently), and a missing, duplicated or changed row - a
timestamp shifted, a JSON value altered - changes it. The same lines are what COPY sends.

Re-running is safe: a table whose target rows already equal the source's (same checksum) is
verified and skipped, an empty one is copied, and one holding other rows is refused before anything
is written unless `merge=True`, which adds the missing rows and reports rows whose keys exist with
other content as conflicts, never overwriting them.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    Integer,
    Table,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from storyanalytics.db.models import Base
from storyanalytics.db.schema import head_revision, upgrade
from storyanalytics.db.types import UTCDateTime
from storyanalytics.migrate.checks import (
    DatabaseState,
    check_distinct,
    check_source_revision,
    check_target_revision,
    count_sign_in_accounts,
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


# --- the normalized form: PostgreSQL's COPY text ----------------------------------------------------
NULL = "\\N"
# The escapes COPY's text format uses, in both directions (PostgreSQL emits exactly these).
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
)


_NEEDS_ESCAPE = re.compile(r"[\\\x08\x0c\n\r\t\x0b]").search


def _escaped(value: Any) -> str:
    text = value if type(value) is str else str(value)
    # Searching first is much faster than translating the (usually clean) text.
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE(text) else text


def _timestamp_text(value: datetime) -> str:
    """A UTC timestamp the way PostgreSQL prints timestamptz with TimeZone=UTC and DateStyle=ISO."""
    rendered = value.isoformat(" ")
    if not rendered.endswith("+00:00"):
        rendered = value.astimezone(UTC).isoformat(" ")
    rendered = rendered[:-6]
    if "." in rendered:
        rendered = rendered.rstrip("0")
    return rendered + "+00"


def _json_text(value: Any) -> str:
    # What SQLAlchemy's JSON type sends (json.dumps, and Python None as JSON null).
    return _escaped(json.dumps(value))


def _boolean_text(value: Any) -> str:
    return "t" if value else "f"


def _text_formatter(column: Column[Any]) -> Callable[[Any], str]:
    """How COPY spells a non-NULL value of this column."""
    kind = column.type
    if isinstance(kind, JSON):
        return _json_text
    if isinstance(kind, UTCDateTime):
        return _timestamp_text
    if isinstance(kind, Boolean):
        return _boolean_text
    if isinstance(kind, Integer):
        return str
    return _escaped


class _TableText:
    """Rows of one table as lines of COPY text: what is sent, hashed and compared."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.columns = list(table.columns)
        self.formatters = [_text_formatter(column) for column in self.columns]
        self.json_columns = [isinstance(column.type, JSON) for column in self.columns]
        names = [column.name for column in self.columns]
        self.key_indexes = [names.index(column.name) for column in table.primary_key.columns]
        self.column_list = ", ".join(f'"{name}"' for name in names)

    def line(self, row: Sequence[Any]) -> str:
        # None is SQL NULL, except in JSON columns, where SQLAlchemy stores it as JSON null.
        return "\t".join(
            [
                NULL if value is None and not is_json else fmt(value)
                for fmt, value, is_json in zip(self.formatters, row, self.json_columns, strict=True)
            ]
        )

    def key(self, line: str) -> tuple[str, ...]:
        fields = line.split("\t")
        return tuple(fields[i] for i in self.key_indexes)


def _digest(line: str) -> int:
    return int.from_bytes(hashlib.sha256(line.encode("utf-8", "surrogatepass")).digest(), "big")


class _Checksum:
    """Row count plus the sum of the rows' SHA-256 modulo 2**256: independent of row order."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, line: str) -> None:
        self.count += 1
        self.total += _digest(line)

    @property
    def value(self) -> str:
        return f"{self.count}:{self.total % _MODULUS:064x}"


class _LineSink:
    """A file-like object for COPY ... TO STDOUT that hands over complete lines."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self.on_line = on_line
        self.pending = b""

    def write(self, data: bytes) -> int:
        if self.pending:
            data = self.pending + data
        *lines, self.pending = data.split(b"\n")
        for line in lines:
            self.on_line(line.decode("utf-8"))
        return len(data)


def _raw_cursor(connection: Connection) -> Any:
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    return dbapi.cursor()


def _scan_target(connection: Connection, text_form: _TableText, on_line: Callable[[str], None]) -> None:
    """Every stored row as COPY text: PostgreSQL prints it itself; other databases go through the models."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")
        connection.exec_driver_sql("SET LOCAL DateStyle = 'ISO, MDY'")
        connection.exec_driver_sql("SET LOCAL client_encoding = 'UTF8'")
        cursor = _raw_cursor(connection)
        try:
            cursor.copy_expert(
                f'COPY "{text_form.table.name}" ({text_form.column_list}) TO STDOUT', _LineSink(on_line)
            )
        finally:
            cursor.close()
        return
    for batch in connection.execute(select(text_form.table)).partitions(5000):
        for row in batch:
            on_line(text_form.line(row))


def _target_checksum(connection: Connection, text_form: _TableText) -> str:
    checksum = _Checksum()
    _scan_target(connection, text_form, checksum.add)
    connection.rollback()
    return checksum.value


def table_checksum(connection: Connection, table: Table) -> str:
    """The checksum of a table as stored (see the module docstring); the same on source and target."""
    return _target_checksum(connection, _TableText(table))


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


# --- writing ----------------------------------------------------------------------------------------
class _Writer:
    """Inserts batches in the target's open transaction: COPY on PostgreSQL, else executemany.

    With `pipelined=True` a COPY runs in a helper thread while the caller reads and formats the
    next batch; batches still reach the database one at a time and in order.
    """

    def __init__(self, connection: Connection, text_form: _TableText, *, pipelined: bool = False) -> None:
        self.connection = connection
        self.text_form = text_form
        self.is_postgres = connection.dialect.name == "postgresql"
        self.copy_sql = f'COPY "{text_form.table.name}" ({text_form.column_list}) FROM STDIN'
        self.pool = ThreadPoolExecutor(1) if pipelined and self.is_postgres else None
        self.pending: Future[None] | None = None

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                self.flush()
            elif self.pending is not None:
                self.pending.exception()  # let it end before the transaction rolls back
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)

    def _copy(self, payload: str) -> None:
        cursor = _raw_cursor(self.connection)
        try:
            cursor.copy_expert(self.copy_sql, io.StringIO(payload))
        finally:
            cursor.close()

    def flush(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def write(self, rows: Sequence[Sequence[Any]], lines: Sequence[str]) -> None:
        if not rows:
            return
        if self.is_postgres:
            payload = "\n".join(lines) + "\n"
            if self.pool is None:
                self._copy(payload)
                return
            self.flush()
            self.pending = self.pool.submit(self._copy, payload)
            return
        names = [column.key for column in self.text_form.columns]
        self.connection.execute(
            insert(self.text_form.table), [dict(zip(names, row, strict=True)) for row in rows]
        )


def _parents_first(table: Table, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
    """Order rows so a row referencing its own table comes after the row it references."""
    names = table.columns.keys()
    self_keys = [
        (names.index(fk.parent.name), names.index(fk.column.name))
        for fk in table.foreign_keys
        if fk.column.table is table
    ]
    if not self_keys:
        return rows
    child_index, parent_index = self_keys[0]
    by_key = {row[parent_index]: row for row in rows}
    depth: dict[Any, int] = {}

    def depth_of(row: Sequence[Any]) -> int:
        key = row[parent_index]
        if key in depth:
            return depth[key]
        seen = {key}
        chain = [row]
        parent = by_key.get(row[child_index]) if row[child_index] is not None else None
        while parent is not None and parent[parent_index] not in depth and parent[parent_index] not in seen:
            seen.add(parent[parent_index])
            chain.append(parent)
            parent = by_key.get(parent[child_index]) if parent[child_index] is not None else None
        base = depth.get(parent[parent_index], -1) + 1 if parent is not None else 0
        for offset, item in enumerate(reversed(chain)):
            depth[item[parent_index]] = base + offset
        return depth[key]

    return sorted(rows, key=depth_of)


# Above this many rows, indexes and constraints are rebuilt after the COPY instead of row by row.
BULK_ROWS = 20_000
_Deferred = Index | UniqueConstraint | ForeignKeyConstraint


def _drop_secondary(connection: Connection, table: Table) -> list[_Deferred]:
    """Drop the table's secondary indexes, unique and foreign keys inside the copy's transaction.

    Building an index once over all rows and checking each foreign key with one join is much
    faster than maintaining them row by row (pgloader does the same). They come back, validated,
    in `_restore_secondary` before the transaction commits; if anything does not match the
    models' names, nothing is dropped and the copy simply runs with them in place.
    """
    inspector = inspect(connection)
    live = (
        {item["name"] for item in inspector.get_indexes(table.name)}
        | {item["name"] for item in inspector.get_unique_constraints(table.name)}
        | {item["name"] for item in inspector.get_foreign_keys(table.name)}
    )
    items: list[_Deferred] = [index for index in table.indexes if index.name in live]
    items += [c for c in table.constraints if isinstance(c, UniqueConstraint) and c.name in live]
    items += [c for c in table.constraints if isinstance(c, ForeignKeyConstraint) and c.name in live]
    try:
        with connection.begin_nested():
            for item in items:
                connection.execute(DropIndex(item) if isinstance(item, Index) else DropConstraint(item))
    except DBAPIError:
        return []
    return items


def _restore_secondary(connection: Connection, items: list[_Deferred]) -> None:
    """Recreate what `_drop_secondary` dropped; a duplicate or orphan row fails the transaction."""
    for item in items:
        connection.execute(CreateIndex(item) if isinstance(item, Index) else AddConstraint(item))


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
        self.sign_in_accounts = 0

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def _source_checksum(self, source: Connection, table: Table) -> str:
        checksum = _Checksum()
        for _rows, lines in self._source_batches(source, _TableText(table)):
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
                    report.target_checksum = _target_checksum(target, _TableText(table))
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
        self, source: Connection, text_form: _TableText
    ) -> Iterator[tuple[Sequence[Sequence[Any]], list[str]]]:
        """The source's rows through the models (so types convert), with their COPY text lines."""
        table = text_form.table
        result = source.execute(select(table).execution_options(yield_per=self.batch_size))
        batches: Iterable[Sequence[Sequence[Any]]] = result.partitions()
        if any(fk.column.table is table for fk in table.foreign_keys):
            rows = _parents_first(table, [row for batch in batches for row in batch])
            batches = (rows[i : i + self.batch_size] for i in range(0, len(rows), self.batch_size))
        line = text_form.line
        for batch in batches:
            yield batch, [line(row) for row in batch]

    def copy_table(self, table: Table, report: TableReport) -> None:
        stage = f"rows:{table.name}"
        self._emit(ProgressEvent(stage, "start", total=report.source_rows, description=table.name))
        text_form = _TableText(table)
        checksum = _Checksum()
        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            with target.begin():
                bulk = report.source_rows >= BULK_ROWS and target.dialect.name == "postgresql"
                deferred = _drop_secondary(target, table) if bulk else []
                with _Writer(target, text_form, pipelined=True) as writer:
                    for rows, lines in self._source_batches(source, text_form):
                        for line in lines:
                            checksum.add(line)
                        writer.write(rows, lines)
                        self._emit(ProgressEvent(stage, "advance", advance=len(rows)))
                _restore_secondary(target, deferred)
            report.copied = checksum.count
            report.source_checksum = checksum.value
            report.target_checksum = _target_checksum(target, text_form)
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
        text_form = _TableText(table)

        def stored() -> dict[tuple[str, ...], int]:
            found: dict[tuple[str, ...], int] = {}
            _scan_target(
                target, text_form, lambda line: found.__setitem__(text_form.key(line), _digest(line))
            )
            target.rollback()
            return found

        with self.source.engine.connect() as source, self.target.engine.connect() as target:
            existing = stored()
            expected: dict[tuple[str, ...], int] = {}
            conflicts: list[str] = []
            with target.begin(), _Writer(target, text_form) as writer:
                for rows, lines in self._source_batches(source, text_form):
                    missing: list[tuple[Sequence[Any], str]] = []
                    for row, line in zip(rows, lines, strict=True):
                        key, digest = text_form.key(line), _digest(line)
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
        self, target: Connection, writer: _Writer, rows: list[tuple[Sequence[Any], str]]
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
