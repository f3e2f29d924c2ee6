"""Hot reads straight on the pooled DB-API connection, with SQL compiled once per dialect.

The busiest routes (public reads, GET /api/charts/<id>) run one indexed query per request; going through
the ORM or even a Core `select` costs several times the query itself. Errors still leave as SQLAlchemy's
exception classes, so the app's error handlers answer them as they answer every other database error.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """A small least-recently-used map bounded by its number of entries (one event loop: no lock)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class RawStatement:
    """A select compiled for one dialect: its SQL, how to pass parameters, how to convert each column."""

    sql: str
    parameter_names: tuple[str, ...] | None  # in order when the driver takes positional parameters
    processors: tuple[Processor, ...]
    defaults: Mapping[str, Any]  # values the statement carries itself (a LIMIT, a literal)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | Mapping[str, Any]:
        merged = {**self.defaults, **values} if self.defaults else values
        if self.parameter_names is None:
            return merged
        return tuple([merged[name] for name in self.parameter_names])

    def convert(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """The row as the ORM would see it (datetimes, JSON, booleans) from the driver's raw values."""
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.processors, row, strict=True)
        )


_COMPILED: dict[tuple[str, str, str], RawStatement] = {}


def compile_once(engine: Engine, name: str, build: Callable[[], Select[Any]]) -> RawStatement:
    """`build()` compiled for the engine's dialect, once per process."""
    dialect = engine.dialect
    key = (dialect.name, str(dialect.paramstyle), name)
    statement = _COMPILED.get(key)
    if statement is None:
        select_statement = build()
        compiled = select_statement.compile(dialect=dialect)
        positional = dialect.paramstyle in {"qmark", "numeric", "format"}
        names = tuple(compiled.positiontup or ()) if positional else None
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in select_statement.selected_columns
        )
        defaults = {name: value for name, value in compiled.params.items() if value is not None}
        statement = _COMPILED[key] = RawStatement(compiled.string, names, processors, defaults)
    return statement


def fetch_one(engine: Engine, statement: RawStatement, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The first row (raw driver values), on a pooled connection given back before returning.

    Never awaits while the connection is out, so requests on one event loop cannot starve the pool.
    """
    parameters = statement.parameters(values)
    error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except error as exc:
        raise DBAPIError.instance(None, None, exc, error) from exc
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(statement.sql, parameters)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except error as exc:
        raise DBAPIError.instance(statement.sql, parameters, exc, error) from exc
    finally:
        connection.close()  # back to the pool, which rolls the read transaction back
    return None if row is None else tuple(row)
