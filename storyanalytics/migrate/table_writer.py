"""Writing a table's rows into the target database inside the copy's transaction: COPY on PostgreSQL
(optionally pipelined), executemany elsewhere, self-referencing rows parents first, and secondary
indexes and constraints dropped during a bulk copy and rebuilt, validated, before it commits."""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, ForeignKeyConstraint, Index, Table, UniqueConstraint, insert, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from storyanalytics.migrate.copy_text import TableText, raw_cursor


class Writer:
    """Inserts batches in the target's open transaction: COPY on PostgreSQL, else executemany.

    With `pipelined=True` a COPY runs in a helper thread while the caller reads and formats the
    next batch; batches still reach the database one at a time and in order.
    """

    def __init__(self, connection: Connection, text_form: TableText, *, pipelined: bool = False) -> None:
        self.connection = connection
        self.text_form = text_form
        self.is_postgres = connection.dialect.name == "postgresql"
        self.copy_sql = f'COPY "{text_form.table.name}" ({text_form.column_list}) FROM STDIN'
        self.pool = ThreadPoolExecutor(1) if pipelined and self.is_postgres else None
        self.pending: Future[None] | None = None

    def __enter__(self) -> Writer:
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
        cursor = raw_cursor(self.connection)
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


def parents_first(table: Table, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
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


Deferred = Index | UniqueConstraint | ForeignKeyConstraint


def drop_secondary(connection: Connection, table: Table) -> list[Deferred]:
    """Drop the table's secondary indexes, unique and foreign keys inside the copy's transaction.

    Building an index once over all rows and checking each foreign key with one join is much
    faster than maintaining them row by row (pgloader does the same). They come back, validated,
    in `restore_secondary` before the transaction commits; if anything does not match the
    models' names, nothing is dropped and the copy simply runs with them in place.
    """
    inspector = inspect(connection)
    live = (
        {item["name"] for item in inspector.get_indexes(table.name)}
        | {item["name"] for item in inspector.get_unique_constraints(table.name)}
        | {item["name"] for item in inspector.get_foreign_keys(table.name)}
    )
    items: list[Deferred] = [index for index in table.indexes if index.name in live]
    items += [c for c in table.constraints if isinstance(c, UniqueConstraint) and c.name in live]
    items += [c for c in table.constraints if isinstance(c, ForeignKeyConstraint) and c.name in live]
    try:
        with connection.begin_nested():
            for item in items:
                connection.execute(DropIndex(item) if isinstance(item, Index) else DropConstraint(item))
    except DBAPIError:
        return []
    return items


def restore_secondary(connection: Connection, items: list[Deferred]) -> None:
    """Recreate what `drop_secondary` dropped; a duplicate or orphan row fails the transaction."""
    for item in items:
        connection.execute(CreateIndex(item) if isinstance(item, Index) else AddConstraint(item))
