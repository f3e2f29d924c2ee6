"""The normalized form of a row that a migration sends, hashes and compares: PostgreSQL's COPY text.

Verification: rows are normalized into PostgreSQL's COPY text form (UTC timestamps as PostgreSQL
prints them, booleans t/f, JSON as the app's serializer writes it, COPY escapes). On the source side
Python renders each row read through the models; on a PostgreSQL target the server prints what it
stored (`COPY ... TO STDOUT` with TimeZone=UTC), on other targets the same Python rendering is used.
Each line is hashed; a table's checksum is the row count plus the sum of its line hashes modulo
2**256. The sum does not depend on row order, so each side is read in whatever order is fastest
(SQLite and PostgreSQL sort text keys differently), and a missing, duplicated or changed row - a
timestamp shifted, a JSON value altered - changes it. The same lines are what COPY sends.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Connection, Integer, Table, select

from storyanalytics.db.types import UTCDateTime

_MODULUS = 1 << 256

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


class TableText:
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


def line_digest(line: str) -> int:
    return int.from_bytes(hashlib.sha256(line.encode("utf-8", "surrogatepass")).digest(), "big")


class Checksum:
    """Row count plus the sum of the rows' SHA-256 modulo 2**256: independent of row order."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, line: str) -> None:
        self.count += 1
        self.total += line_digest(line)

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


def raw_cursor(connection: Connection) -> Any:
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    return dbapi.cursor()


def scan_target(connection: Connection, text_form: TableText, on_line: Callable[[str], None]) -> None:
    """Every stored row as COPY text: PostgreSQL prints it itself; other databases go through the models."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")
        connection.exec_driver_sql("SET LOCAL DateStyle = 'ISO, MDY'")
        connection.exec_driver_sql("SET LOCAL client_encoding = 'UTF8'")
        cursor = raw_cursor(connection)
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


def target_checksum(connection: Connection, text_form: TableText) -> str:
    checksum = Checksum()
    scan_target(connection, text_form, checksum.add)
    connection.rollback()
    return checksum.value


def table_checksum(connection: Connection, table: Table) -> str:
    """The checksum of a table as stored (see the module docstring); the same on source and target."""
    return target_checksum(connection, TableText(table))
