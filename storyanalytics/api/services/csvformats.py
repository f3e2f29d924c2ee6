"""Numbers and dates as people write them: the one place on the server that reads a cell by locale and format.

Numbers: `1,234.5`, `1.234,5` (decimal comma, common with `;` files), `1 234,5`, `12%`, `$1,200`, `€5`,
`(45)` for -45, `1.2k` / `3M` / `2bn`. Dates: ISO (`2024-03-05`, `2024-03`), `Jan 2024`, `2024-Q1`,
`Q1 2024`, and `03/04/2024` or `3.4.2024`, whose day/month order is decided from the whole column (a part
above 12 settles it; otherwise the locale does, and the column says it was ambiguous).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any, Literal

Decimal = Literal[".", ","]
DateOrder = Literal["dmy", "mdy"]
LOCALES: dict[Decimal, str] = {".": "1,234.5", ",": "1.234,5"}

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_CURRENCY = re.compile(r"^([$€£¥₹]|[A-Z]{3}\s)|(\s?[$€£¥₹]|\s[A-Z]{3})$")
_SUFFIX = {"k": 1e3, "m": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12}
_SCALED = re.compile(r"^(.*\d)\s?(k|m|mn|b|bn|t)$", re.I)
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_POINT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+$")
_MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-/]+(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[\s\-/]?Q([1-4])$|^Q([1-4])[\s\-/]?(\d{4})$", re.I)
_DAY_MONTH = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})$")
_ISO_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")

# Cells in these plain forms read as a column engine's own cast reads them, so a columnar reader may convert
# them in bulk and send only the other values through `read_cell`: a number matching PLAIN_NUMBER[decimal]
# is float(text) once a decimal comma is made a point (what `parse_number` does with it), and a date matching
# ISO_DAY that is a real calendar day is itself (what `parse_date` gives back).
PLAIN_NUMBER: dict[Decimal, str] = {".": _PLAIN.pattern, ",": r"^[+-]?\d+(,\d+)?$"}
ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"


def _strip_number(text: str) -> tuple[str, float, bool] | None:
    """The digits of a number with its sign, scale (k, M...) and percent/currency marks taken off."""
    value = _SPACES.sub("", text) if re.search(r"\d[\s\u00a0\u202f']\d", text) else text.strip()
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    value = _CURRENCY.sub("", value).strip()
    if value.startswith("-") and value[1:2] in "$€£¥₹":
        value = "-" + value[2:]
    if value.endswith("%"):
        value = value[:-1].strip()
    scale = 1.0
    scaled = _SCALED.match(value)
    if scaled:
        value, scale = scaled.group(1), _SUFFIX[scaled.group(2).lower()]
    if not value or not re.search(r"\d", value):
        return None
    return value, scale, negative


def parse_number(text: str, decimal: Decimal = ".") -> float | None:
    """The number `text` means with this decimal mark, or None when it is not a number."""
    stripped = _strip_number(text)
    return None if stripped is None else _number(stripped, decimal)


def _number(stripped: tuple[str, float, bool], decimal: Decimal) -> float | None:
    value, scale, negative = stripped
    if decimal == ".":
        if _GROUPED_POINT.match(value):
            value = value.replace(",", "")
        elif not _PLAIN.match(value):
            return None
    else:
        if _GROUPED_COMMA.match(value):
            value = value.replace(".", "").replace(",", ".")
        elif _COMMA_DECIMAL.match(value) or re.match(r"^[+-]?\d+,\d+$", value):
            value = value.replace(",", ".")
        elif not re.match(r"^[+-]?\d+$", value):
            return None
    try:
        number = float(value) * scale
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return -number if negative else number


def column_decimal(values: list[str], fallback: Decimal) -> Decimal | None:
    """Which decimal mark reads every value, settled by the column itself when it can be."""
    marks: tuple[Decimal, Decimal] = (".", ",")
    fits = [mark for mark in marks if all(parse_number(v, mark) is not None for v in values)]
    if len(fits) < 2:
        return fits[0] if fits else None
    for v in values:
        core = _strip_number(v)
        text = core[0] if core else v
        both = "." in text and "," in text
        if re.search(r",\d{1,2}$|,\d{4,}$", text) or (both and text.rfind(",") > text.rfind(".")):
            return ","
        if re.search(r"\.\d{1,2}$|\.\d{4,}$", text) or (both and text.rfind(".") > text.rfind(",")):
            return "."
    return fallback


def _iso(value: str) -> str | None:
    if not value or not value[0].isdigit():
        return None
    if len(value) >= 10 and value[4] == "-":
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.date().isoformat() if len(value) == 10 else parsed.isoformat()
    if re.match(r"^\d{4}-\d{2}$", value):
        try:
            return datetime.strptime(value, "%Y-%m").strftime("%Y-%m")
        except ValueError:
            return None
    for fmt in _ISO_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.isoformat() if "%H" in fmt else parsed.date().isoformat()
    return None


def parse_date(text: str, order: DateOrder = "mdy") -> tuple[str, str] | None:
    """(ISO date, unit) for a date as written, or None. unit is "day", "month" or "quarter"."""
    value = text.strip()
    iso = _iso(value)
    if iso is not None:
        return iso, "month" if len(iso) == 7 else "day"
    match = _MONTH_YEAR.match(value)
    if match and match.group(1)[:3].lower() in _MONTHS:
        return f"{int(match.group(2)):04d}-{_MONTHS[match.group(1)[:3].lower()]:02d}", "month"
    match = _QUARTER.match(value)
    if match:
        year = match.group(1) or match.group(4)
        quarter = int(match.group(2) or match.group(3))
        return f"{year}-{(quarter - 1) * 3 + 1:02d}", "quarter"
    match = _DAY_MONTH.match(value)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        day, month = (first, second) if order == "dmy" else (second, first)
        try:
            return date(year, month, day).isoformat(), "day"
        except ValueError:
            return None
    return None


def column_date_order(values: list[str], fallback: DateOrder) -> tuple[DateOrder, bool]:
    """Day/month order for `03/04/2024`-style dates: settled by a part above 12, else the fallback
    (ambiguous=True, which the editor shows so the user can switch it)."""
    firsts, seconds = [], []
    for v in values:
        match = _DAY_MONTH.match(v.strip())
        if match:
            firsts.append(int(match.group(1)))
            seconds.append(int(match.group(3)))
    if not firsts:
        return fallback, False
    if any(n > 12 for n in firsts):
        return "dmy", False
    if any(n > 12 for n in seconds):
        return "mdy", False
    return fallback, True


def file_decimal(delimiter: str) -> Decimal:
    """The decimal mark a file's locale suggests: `;`-separated files come from decimal-comma locales."""
    return "," if delimiter == ";" else "."


def read_cell(text: str, kind: str, fmt: dict[str, Any] | None) -> Any:
    """A cell as its column's type and format; raises ValueError when it cannot be read that way."""
    if text == "":
        return None
    fmt = fmt or {}
    if kind == "number":
        decimal = fmt.get("decimal", ".")
        stripped = _strip_number(text)
        number = None if stripped is None else _number(stripped, decimal)
        if number is None or stripped is None:
            raise ValueError(text)
        fraction = decimal in stripped[0] and not (decimal == "." and _GROUPED_COMMA.match(stripped[0]))
        if number.is_integer() and abs(number) < 2**53 and not fraction and "e" not in stripped[0].lower():
            return int(number)
        return number
    if kind == "date":
        parsed = parse_date(text, fmt.get("date_order", "mdy"))
        if parsed is None:
            raise ValueError(text)
        return parsed[0]
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in {"true", "yes", "false", "no"}:
            raise ValueError(text)
        return lowered in {"true", "yes"}
    return text


def infer_column(values: list[str], decimal: Decimal = ".") -> tuple[str, dict[str, Any] | None]:
    """A column's type and, when it is not the plain default, its format (decimal mark, date order)."""
    present = [value for value in values if value != ""]
    if not present:
        return "string", None
    if {value.lower() for value in present} <= {"true", "yes", "false", "no"}:
        return "boolean", None
    mark = column_decimal(present, decimal)
    if mark is not None:
        return "number", ({"decimal": ","} if mark == "," else None)
    dotted = any(re.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$", v.strip()) for v in present)
    order, ambiguous = column_date_order(present, "dmy" if dotted or decimal == "," else "mdy")
    parsed = [parse_date(value, order) for value in present]
    if all(p is not None for p in parsed):
        fmt: dict[str, Any] = {}
        if any(_DAY_MONTH.match(v.strip()) for v in present):
            fmt["date_order"] = order
            if ambiguous:
                fmt["ambiguous"] = True
        if all(p is not None and p[1] == "quarter" for p in parsed):
            fmt["unit"] = "quarter"
        return "date", fmt or None
    return "string", None
