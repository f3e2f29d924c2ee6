"""CSV uploads: decode, sniff the delimiter, check the shape, infer column types, convert values.

Parsing is pure (bytes in, `ParsedCsv` out) so the upload route can refuse bad files before writing anything.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Literal

from storyanalytics.api.errors import ApiError
from storyanalytics.api.services.csvformats import LOCALES, file_decimal, infer_column, read_cell
from storyanalytics.api.services.rawsql import LruCache

ColumnType = Literal["number", "date", "string", "boolean"]
PREVIEW_ROWS = 20
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class ParsedCsv:
    columns: list[dict[str, Any]]
    rows: list[list[Any]] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    locale: str = LOCALES["."]
    # Cells that could not be read as their column's chosen type: {column, rows (1-based), values}.
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def preview(self, limit: int = PREVIEW_ROWS) -> list[list[Any]]:
        return self.rows[:limit]

    def records(self) -> list[dict[str, Any]]:
        names = [column["name"] for column in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def bad_csv(message: str) -> ApiError:
    return ApiError(422, message)


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Latin-1, which can decode any byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise bad_csv("The file is UTF-16: save it as UTF-8 CSV and upload it again.")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    # Cut at the last full line so the sniffer never sees half a row.
    if len(text) > SNIFF_BYTES and "\n" in sample:
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


def parse_csv(
    raw: bytes,
    types: list[str] | None = None,
    formats: list[dict[str, Any] | None] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ParsedCsv:
    """Parse and check a CSV; `types` and `formats` from an earlier parse skip inference; `overrides`
    ({decimal, date_order, types: {column: type}}) are the user's choices. 422 names the bad line."""
    if not raw.strip():
        raise bad_csv("The file is empty: upload a CSV with a header row and at least one data row.")
    if b"\x00" in raw[:SNIFF_BYTES]:
        raise bad_csv("This does not look like a CSV file (it contains binary data): export it as CSV first.")
    text, encoding = decode(raw)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    body: list[list[str]] = []
    try:
        for row in reader:
            if not row or all(cell.strip() == "" for cell in row):
                continue
            if header is None:
                header = _header(row)
                continue
            if len(row) != len(header):
                raise bad_csv(
                    f"Line {reader.line_num} has {len(row)} fields but the header has {len(header)}: "
                    "fix that line (a missing or extra delimiter, or an unclosed quote) and upload again."
                )
            body.append([cell.strip() for cell in row])
    except csv.Error as exc:
        raise bad_csv(
            f"Line {reader.line_num} is not valid CSV ({exc}): fix the quoting on that line."
        ) from None
    if header is None:
        raise bad_csv("The file has no header row: the first line must name the columns.")
    return _typed(header, body, encoding, delimiter, types, formats, overrides)


def _typed(
    header: list[str],
    body: list[list[str]],
    encoding: str,
    delimiter: str,
    types: list[str] | None,
    formats: list[dict[str, Any] | None] | None,
    overrides: dict[str, Any] | None,
) -> ParsedCsv:
    """Column types and formats (given, inferred, or as the user chose), then every cell read by them."""
    overrides = overrides or {}
    decimal = overrides.get("decimal") or file_decimal(delimiter)
    if types is None or len(types) != len(header):
        inferred = [infer_column([row[index] for row in body], decimal) for index in range(len(header))]
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
    rows: list[list[Any]] = []
    bad: dict[int, list[tuple[int, str]]] = {}
    for number, row in enumerate(body, start=1):
        out = []
        for index, (cell, kind, fmt) in enumerate(zip(row, types, formats, strict=True)):
            try:
                out.append(read_cell(cell, kind, fmt))
            except ValueError:
                out.append(None)
                bad.setdefault(index, []).append((number, cell))
        rows.append(out)
    problems = [
        {
            "column": header[index],
            "type": types[index],
            "rows": [number for number, _ in cells[:20]],
            "values": [value for _, value in cells[:5]],
            "count": len(cells),
        }
        for index, cells in sorted(bad.items())
    ]
    marks = {fmt.get("decimal") for fmt, kind in zip(formats, types, strict=True) if kind == "number" and fmt}
    locale = LOCALES["," if "," in marks or decimal == "," else "."]
    return ParsedCsv(columns, rows, encoding, delimiter, locale, problems)


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


class ParsedCache(LruCache[str, ParsedCsv]):
    """Uploads are immutable, so a parsed upload can be kept in memory by its storage key."""

    def __init__(self, size: int = 64) -> None:
        super().__init__(size)


parsed_cache = ParsedCache()
