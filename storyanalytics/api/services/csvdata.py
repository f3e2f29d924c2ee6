"""CSV uploads: decode, sniff the delimiter, check the shape, infer column types, convert values.

The column engine (csvengine, DuckDB) reads the file from disk as text columns; each column's type is
inferred by csvformats (the one place that reads a cell by locale) from its distinct values, and the column
is then converted inside the engine: cells in a plain form (`12.5`, `2024-03-05`) by the engine's own cast,
every other distinct value once through `csvformats.read_cell`. No row is ever held as Python objects, so
memory stays flat whatever the file's size. Parsing writes nothing to storage: the upload route refuses bad
files before storing them.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from storyanalytics.api.errors import ApiError
from storyanalytics.api.services import csvengine
from storyanalytics.api.services.csvformats import (
    ISO_DAY,
    LOCALES,
    PLAIN_NUMBER,
    file_decimal,
    infer_column,
    read_cell,
)

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

ColumnType = Literal["number", "date", "string", "boolean"]
PREVIEW_ROWS = 20
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
# A column's type is inferred from its first distinct values plus a fixed-seed sample of the rest (all of
# them when it has fewer): a later cell that does not fit is then listed in `problems`, by row.
INFER_FIRST = 5_000
INFER_SAMPLE = 2_000
CONVERT_CHUNK = 20_000
_BLANKS = " \t\r\n\x0b\x0c\xa0"
_SQL_TYPES = {"number": "DOUBLE", "date": "VARCHAR", "boolean": "BOOLEAN", "string": "VARCHAR"}

csv.field_size_limit(16 * 1024 * 1024)


def bad_csv(message: str) -> ApiError:
    return ApiError(422, message)


@dataclass(eq=False)
class ParsedCsv:
    """A parsed upload: column names, types and formats, and its rows in an engine table (`__row`, c0..)."""

    columns: list[dict[str, Any]]
    table: csvengine.Table
    row_count: int
    encoding: str = "utf-8"
    delimiter: str = ","
    locale: str = LOCALES["."]
    # Cells that could not be read as their column's chosen type: {column, rows (1-based), values}.
    problems: list[dict[str, Any]] = field(default_factory=list)
    size_bytes: int = 0

    @property
    def names(self) -> list[str]:
        return [column["name"] for column in self.columns]

    def fetch(self, sql: str, parameters: list[Any] | None = None) -> list[list[Any]]:
        """Rows of a query over this upload's table, written with `{table}` and the c0.. column names."""
        import duckdb

        con = csvengine.cursor()
        try:
            found = con.execute(sql.format(table=self.table.name), parameters or []).fetchall()
        except duckdb.OutOfMemoryException:
            raise engine_busy("this data") from None
        finally:
            con.close()
        return [list(row) for row in found]

    @property
    def numbers(self) -> list[int]:
        return [index for index, column in enumerate(self.columns) if column["type"] == "number"]

    def typed(self, rows: list[list[Any]]) -> list[list[Any]]:
        """Engine values as the API gives them. A number column's cells come with a flag each (`i<n>`, at
        the row's end, from `select_columns`): the cell was written whole (`7`, not `7.0`), so it is an int,
        as `read_cell` reads it. Rows without flags (sums, averages) give whole values as ints."""
        numbers = self.numbers
        width = len(self.columns)
        out = []
        for row in rows:
            flags = row[width:] if len(row) > width else [True] * len(numbers)
            for index, whole in zip(numbers, flags, strict=True):
                value = row[index]
                if whole and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                    row[index] = int(value)
            out.append(row[:width])
        return out

    def select_columns(self) -> str:
        """Every column (c0..), then each number column's whole-number flag (for `typed`)."""
        return ", ".join(
            [f"c{index}" for index in range(len(self.columns))] + [f"i{index}" for index in self.numbers]
        )

    def preview(self, limit: int = PREVIEW_ROWS) -> list[list[Any]]:
        return self.head(limit)

    def head(self, limit: int) -> list[list[Any]]:
        return self.typed(
            self.fetch(f"SELECT {self.select_columns()} FROM {{table}} ORDER BY __row LIMIT {int(limit)}")
        )

    @property
    def rows(self) -> list[list[Any]]:
        """Every row (for small data and tests; charts read a reduced payload, exports `batches`)."""
        return self.head(self.row_count)

    def records(self) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def iter_records(self) -> Iterator[dict[str, Any]]:
        names = self.names
        for batch in self.batches():
            for row in batch:
                yield dict(zip(names, row, strict=True))

    def batches(self, size: int = 10_000) -> Iterator[list[list[Any]]]:
        """Every row in order, a bounded batch at a time."""
        con = csvengine.cursor()
        try:
            con.execute(f"SELECT {self.select_columns()} FROM {self.table.name} ORDER BY __row")
            while batch := con.fetchmany(size):
                yield self.typed([list(row) for row in batch])
        finally:
            con.close()


def _encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM) when every byte decodes so, else Latin-1, which can decode any byte."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise bad_csv("The file is UTF-16: save it as UTF-8 CSV and upload it again.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding of a file's head (a cut multi-byte character at its end is left out)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw), "utf-8-sig"
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(raw), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    # Cut at the last full line so the sniffer never sees half a row.
    if len(text) >= SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","


def infer_type(values: list[str]) -> ColumnType:
    kind, _ = infer_column(values)
    return kind  # type: ignore[return-value]


def convert(value: str, kind: str, fmt: dict[str, Any] | None = None) -> Any:
    """A cell as its column's type and format; a cell that cannot be read so becomes None."""
    try:
        return read_cell(value, kind, fmt)
    except ValueError:
        return None


def _header(row: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(row, start=1):
        name = raw.strip() or f"column_{index}"
        candidate, suffix = name, 2
        while candidate in seen:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def _find_header(text: str, delimiter: str) -> tuple[list[str], int]:
    """The header's column names and the number of lines up to and including it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                return _header(row), reader.line_num
    except csv.Error as exc:
        raise bad_csv(
            f"Line {reader.line_num} is not valid CSV ({exc}): fix the quoting on that line."
        ) from None
    raise bad_csv("The file has no header row: the first line must name the columns.")


def parse_csv(
    raw: bytes,
    types: list[str] | None = None,
    formats: list[dict[str, Any] | None] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ParsedCsv:
    """`parse_csv_file` for a CSV in memory (written to a temporary file for the engine to stream)."""
    if not raw.strip():
        raise bad_csv("The file is empty: upload a CSV with a header row and at least one data row.")
    handle, name = tempfile.mkstemp(suffix=".csv", prefix="storyanalytics-upload-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(raw)
        return parse_csv_file(Path(name), types, formats, overrides)
    finally:
        os.unlink(name)


def parse_csv_file(
    path: Path,
    types: list[str] | None = None,
    formats: list[dict[str, Any] | None] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ParsedCsv:
    """Parse and check a CSV file; `types` and `formats` from an earlier parse skip inference; `overrides`
    ({decimal, date_order, types: {column: type}}) are the user's choices. 422 names the bad line."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise bad_csv("The file is empty: upload a CSV with a header row and at least one data row.")
    if b"\x00" in head:
        raise bad_csv("This does not look like a CSV file (it contains binary data): export it as CSV first.")
    encoding = _encoding(path, head)
    text = head.decode("latin-1") if encoding == "latin-1" else decode(head)[0]
    delimiter = sniff_delimiter(text)
    if len(head) == SNIFF_BYTES and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    header, skip = _find_header(text, delimiter)
    import duckdb

    con = csvengine.cursor()
    try:
        source = csvengine.Table(csvengine.new_table_name("src"))
        row_count = _load(con, path, source.name, header, skip, encoding, delimiter)
        parsed = _typed(con, source, header, row_count, encoding, delimiter, types, formats, overrides)
    except duckdb.OutOfMemoryException:
        raise engine_busy() from None
    finally:
        con.close()
    parsed.size_bytes = path.stat().st_size
    return parsed


def engine_busy(what: str = "this file") -> ApiError:
    """The engine out of memory is the server being busy, not a bad file."""
    return ApiError(503, f"The server has no memory to spare for {what} right now: try again in a minute.")


def _load(
    con: DuckDBPyConnection,
    path: Path,
    table: str,
    header: list[str],
    skip: int,
    encoding: str,
    delimiter: str,
) -> int:
    """The file's cells as trimmed text (empty as NULL), blank rows left out; the number of rows."""
    import duckdb

    columns = ", ".join(f"'c{index}': 'VARCHAR'" for index in range(len(header)))
    options = ", ".join(
        [
            f"delim={csvengine.quote_text(delimiter)}",
            "quote='\"'",
            "escape='\"'",
            "header=false",
            f"skip={skip}",
            "auto_detect=false",
            f"columns={{{columns}}}",
            f"encoding={csvengine.quote_text('latin-1' if encoding == 'latin-1' else 'utf-8')}",
            "strict_mode=true",
            "null_padding=false",
        ]
    )
    blanks = csvengine.quote_text(_BLANKS)
    cells = ", ".join(f"nullif(trim(c{index}, {blanks}), '') AS c{index}" for index in range(len(header)))
    blank_row = " AND ".join(f"c{index} IS NULL" for index in range(len(header)))
    try:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM (SELECT {cells} FROM "
            f"read_csv({csvengine.quote_text(str(path))}, {options})) WHERE NOT ({blank_row})"
        )
    except duckdb.OutOfMemoryException:
        raise  # not a CSV error: parse_csv_file answers it as the server being busy
    except duckdb.Error as exc:
        line, what = csvengine.csv_error(str(exc))
        where = f"Line {line}" if line is not None else "A line"
        if "fields but the header" in what:
            raise bad_csv(
                f"{where} {what}: fix that line (a missing or extra delimiter, or an unclosed quote) "
                "and upload again."
            ) from None
        raise bad_csv(f"{where} is not valid CSV ({what}): fix the quoting on that line.") from None
    found = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(found[0]) if found else 0


def _sample(con: DuckDBPyConnection, table: str, index: int) -> list[str]:
    """A column's first distinct values in order of appearance, and distinct values from a fixed sample."""
    column = f"c{index}"
    first = con.execute(
        f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} "
        f"ORDER BY min(rowid) LIMIT {INFER_FIRST}"
    ).fetchall()
    values = [row[0] for row in first]
    if len(values) == INFER_FIRST:
        seen = set(values)
        spread = con.execute(
            f"SELECT DISTINCT {column} FROM (SELECT {column} FROM {table} WHERE {column} IS NOT NULL "
            f"USING SAMPLE reservoir({INFER_SAMPLE} ROWS) REPEATABLE (42))"
        ).fetchall()
        values += [row[0] for row in spread if row[0] not in seen]
    return values


def _fast(column: str, kind: str, fmt: dict[str, Any] | None) -> tuple[str, str] | None:
    """(condition, value) in SQL for the cells the engine can read itself; None when no cell can be."""
    if kind == "number":
        decimal = (fmt or {}).get("decimal", ".")
        text = column if decimal == "." else f"replace({column}, ',', '.')"
        value = f"TRY_CAST({text} AS DOUBLE)"
        pattern = csvengine.quote_text(PLAIN_NUMBER[decimal])
        return f"(regexp_full_match({column}, {pattern}) AND isfinite({value}))", value
    if kind == "date":
        iso = csvengine.quote_text(ISO_DAY)
        condition = f"(regexp_full_match({column}, {iso}) AND TRY_CAST({column} AS DATE) IS NOT NULL)"
        return condition, column
    if kind == "string":
        return "TRUE", column
    return None


def _whole(column: str, fmt: dict[str, Any] | None) -> str:
    """SQL: a plain number cell was written without a fraction or exponent (so `read_cell` gives an int)."""
    decimal = (fmt or {}).get("decimal", ".")
    return f"NOT regexp_matches({column}, '[eE]')" + (
        f" AND NOT contains({column}, '.')" if decimal == "." else f" AND NOT contains({column}, ',')"
    )


def _convert_column(
    con: DuckDBPyConnection, source: str, index: int, kind: str, fmt: dict[str, Any] | None
) -> tuple[list[str], str | None]:
    """The SQL that reads column `index` (of `source` as s) as its type (a number column also gives its
    whole-number flag, `i<n>`), and the table it joins (if any).

    Values the engine cannot cast itself are read once each by `read_cell` and kept in a small table."""
    column = f"s.c{index}"
    sql_type = _SQL_TYPES.get(kind, "VARCHAR")
    fast = _fast(column, kind, fmt)
    if fast is not None and fast[0] == "TRUE":
        return [f"{column} AS c{index}"], None
    condition = fast[0] if fast else "FALSE"
    pending = con.execute(
        f"SELECT DISTINCT {column} FROM {source} s WHERE {column} IS NOT NULL AND NOT {condition}"
    )
    mapping = csvengine.new_table_name("map")
    writer = csvengine.cursor()
    try:
        writer.execute(f"CREATE TABLE {mapping} (k VARCHAR, v {sql_type}, i BOOLEAN)")
        while chunk := pending.fetchmany(CONVERT_CHUNK):
            keys = [row[0] for row in chunk]
            values = [convert(key, kind, fmt) for key in keys]
            wholes = [isinstance(value, int) for value in values]
            insert = (
                f"INSERT INTO {mapping} SELECT unnest($1::VARCHAR[]), unnest($2::{sql_type}[]), "
                "unnest($3::BOOLEAN[])"
            )
            writer.execute(insert, [keys, values, wholes])
    finally:
        writer.close()
    mapped = f"m{index}"
    value = f"{mapped}.v" if fast is None else f"CASE WHEN {condition} THEN {fast[1]} ELSE {mapped}.v END"
    outputs = [f"{value} AS c{index}"]
    if kind == "number":
        outputs.append(f"CASE WHEN {condition} THEN {_whole(column, fmt)} ELSE {mapped}.i END AS i{index}")
    return outputs, mapping


def _typed(
    con: DuckDBPyConnection,
    source: csvengine.Table,
    header: list[str],
    row_count: int,
    encoding: str,
    delimiter: str,
    types: list[str] | None,
    formats: list[dict[str, Any] | None] | None,
    overrides: dict[str, Any] | None,
) -> ParsedCsv:
    """Column types and formats (given, inferred, or as the user chose), then every column read by them."""
    overrides = overrides or {}
    decimal = overrides.get("decimal") or file_decimal(delimiter)
    if types is None or len(types) != len(header):
        inferred = [infer_column(_sample(con, source.name, index), decimal) for index in range(len(header))]
        types = [kind for kind, _ in inferred]
        formats = [fmt for _, fmt in inferred]
    if formats is None or len(formats) != len(header):
        formats = [None] * len(header)
    chosen = overrides.get("types") or {}
    types = [str(chosen.get(name, kind)) for name, kind in zip(header, types, strict=True)]
    formats = [_with_overrides(fmt, kind, overrides) for fmt, kind in zip(formats, types, strict=True)]
    columns: list[dict[str, Any]] = []
    for name, kind, fmt in zip(header, types, formats, strict=True):
        columns.append({"name": name, "type": kind, **({"format": fmt} if fmt else {})})
    selects, joins, mappings = [], [], []
    for index, (kind, fmt) in enumerate(zip(types, formats, strict=True)):
        expressions, mapping = _convert_column(con, source.name, index, kind, fmt)
        selects.extend(expressions)
        if mapping is not None:
            mappings.append(csvengine.Table(mapping))
            joins.append(f"LEFT JOIN {mapping} m{index} ON m{index}.k = s.c{index}")
    table = csvengine.Table(csvengine.new_table_name("csv"))
    con.execute(
        f"CREATE TABLE {table.name} AS SELECT s.rowid + 1 AS __row, {', '.join(selects)} "
        f"FROM {source.name} s {' '.join(joins)}"
    )
    problems = _problems(con, source.name, table.name, header, types)
    marks = {fmt.get("decimal") for fmt, kind in zip(formats, types, strict=True) if kind == "number" and fmt}
    locale = LOCALES["," if "," in marks or decimal == "," else "."]
    del mappings, source  # their tables go at the next engine call
    return ParsedCsv(columns, table, row_count, encoding, delimiter, locale, problems)


def _problems(
    con: DuckDBPyConnection, source: str, table: str, header: list[str], types: list[str]
) -> list[dict[str, Any]]:
    """Columns with cells their type could not read: how many, the first 20 rows and 5 values."""
    checked = [index for index, kind in enumerate(types) if kind != "string"]
    if not checked:
        return []
    counts = ", ".join(f"count(c{i})" for i in checked)
    given = con.execute(f"SELECT {counts} FROM {source}").fetchone() or ()
    read = con.execute(f"SELECT {counts} FROM {table}").fetchone() or ()
    problems = []
    for index, before, after in zip(checked, given, read, strict=False):
        missing = int(before) - int(after)
        if not missing:
            continue
        first = con.execute(
            f"SELECT t.__row, s.c{index} FROM {source} s JOIN {table} t ON t.__row = s.rowid + 1 "
            f"WHERE s.c{index} IS NOT NULL AND t.c{index} IS NULL ORDER BY t.__row LIMIT 20"
        ).fetchall()
        problems.append(
            {
                "column": header[index],
                "type": types[index],
                "rows": [int(row[0]) for row in first],
                "values": [row[1] for row in first[:5]],
                "count": missing,
            }
        )
    return problems


def _with_overrides(
    fmt: dict[str, Any] | None, kind: str, overrides: dict[str, Any]
) -> dict[str, Any] | None:
    """The column's format with the user's decimal mark and date order applied where they matter."""
    out = dict(fmt or {})
    if kind == "number" and overrides.get("decimal"):
        out["decimal"] = overrides["decimal"]
    if kind == "date" and overrides.get("date_order"):
        out["date_order"] = overrides["date_order"]
        out.pop("ambiguous", None)
    if out.get("decimal") == ".":
        out.pop("decimal")
    return out or None


class ParsedCache:
    """Parsed uploads by storage key (uploads never change), least recently used first out, bounded by
    bytes (`PARSED_CACHE_MB`); an evicted upload's table is dropped.

    An upload counts the bytes of its CSV, but at least `min_entry_bytes`, what its table takes in the
    engine however small the file: counted by CSV bytes alone, a few thousand tiny uploads (a minute of
    one editor's requests) fit in the cache and their tables filled the engine until every parse failed."""

    def __init__(
        self, max_bytes: int = 256 * 1024 * 1024, min_entry_bytes: int = csvengine.TABLE_MIN_BYTES
    ) -> None:
        self.max_bytes = max_bytes
        self.min_entry_bytes = min_entry_bytes
        self._items: OrderedDict[str, ParsedCsv] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        return self._size

    def get(self, key: str) -> ParsedCsv | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self.max_bytes = max_bytes
            self._evict()

    def _evict(self) -> None:
        while self._size > self.max_bytes and self._items:
            _, evicted = self._items.popitem(last=False)
            self._size -= self._charge(evicted)

    def _charge(self, value: ParsedCsv) -> int:
        return max(value.size_bytes, self.min_entry_bytes)

    def put(self, key: str, value: ParsedCsv) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= self._charge(old)
            charge = self._charge(value)
            if charge > self.max_bytes:
                return
            self._items[key] = value
            self._size += charge
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


parsed_cache = ParsedCache()
