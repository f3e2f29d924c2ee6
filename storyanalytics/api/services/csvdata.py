"""CSV uploads: decode, sniff the delimiter, check the shape, infer column types, convert values.

Parsing is pure (bytes in, `ParsedCsv` out) so the upload route can refuse bad files before writing anything.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from storyanalytics.api.errors import ApiError
from storyanalytics.api.services.rawsql import LruCache

ColumnType = Literal["number", "date", "string", "boolean"]
PREVIEW_ROWS = 20
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class ParsedCsv:
    columns: list[dict[str, str]]
    rows: list[list[Any]] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

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


def _is_number(value: str) -> bool:
    return bool(_NUMBER.match(value))


def _parse_date(value: str) -> str | None:
    """An ISO date or datetime string, or None if `value` is not a date."""
    if not value or not value[0].isdigit():
        return None
    if len(value) >= 10 and value[4] == "-":
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            if len(value) == 10:
                return parsed.date().isoformat()
            return parsed.isoformat()
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if "%H" in fmt:
            return parsed.isoformat()
        if fmt == "%Y-%m":
            return parsed.strftime("%Y-%m")
        return date(parsed.year, parsed.month, parsed.day).isoformat()
    return None


def infer_type(values: list[str]) -> ColumnType:
    present = [value for value in values if value != ""]
    if not present:
        return "string"
    lowered = {value.lower() for value in present}
    if lowered <= _TRUE | _FALSE:
        return "boolean"
    if all(_is_number(value) for value in present):
        return "number"
    if all(_parse_date(value) is not None for value in present):
        return "date"
    return "string"


def convert(value: str, kind: str) -> Any:
    if value == "":
        return None
    if kind == "number":
        number = float(value)
        if not math.isfinite(number):
            return None
        if number.is_integer() and abs(number) < 2**53 and not any(c in value for c in ".eE"):
            return int(number)
        return number
    if kind == "boolean":
        return value.lower() in _TRUE
    if kind == "date":
        return _parse_date(value) or value
    return value


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


def parse_csv(raw: bytes, types: list[str] | None = None) -> ParsedCsv:
    """Parse and check a CSV; `types` from an earlier parse skip inference. 422 names the bad line."""
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
    if types is None or len(types) != len(header):
        types = [infer_type([row[index] for row in body]) for index in range(len(header))]
    columns = [{"name": name, "type": kind} for name, kind in zip(header, types, strict=True)]
    rows = [[convert(cell, kind) for cell, kind in zip(row, types, strict=True)] for row in body]
    return ParsedCsv(columns=columns, rows=rows, encoding=encoding, delimiter=delimiter)


class ParsedCache(LruCache[str, ParsedCsv]):
    """Uploads are immutable, so a parsed upload can be kept in memory by its storage key."""

    def __init__(self, size: int = 64) -> None:
        super().__init__(size)


parsed_cache = ParsedCache()
