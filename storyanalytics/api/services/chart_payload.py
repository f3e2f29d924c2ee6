"""A chart's rows as it draws them: every row up to MAX_ROWS, else reduced on the server by chart type.

Whatever the data's size, the editor, the embed, the exports and the edge get a payload of at most about
MAX_ROWS rows, with a note saying what it shows ("Showing 5,000 of 815,387 rows ..."):
- lines and areas: per series, x split into buckets, the rows with each bucket's lowest and highest value
  (the shape, peaks and dips kept);
- bars, columns, pies, donuts, waffles: the sum of every number column per category (x, colour, facet),
  the categories past TOP_CATEGORIES summed as "Other" (the web app sums per category too);
- heatmaps and maps: the average per cell or region;
- histograms: counts per bin of the value, drawn as they are;
- points (scatter, bubble, dot, range and arrow plots, symbol maps) and anything else: a fixed-seed sample;
- tables: the first rows.
"""

from __future__ import annotations

from typing import Any

from storyanalytics.api.services.csvdata import ParsedCsv

MAX_ROWS = 5_000
TOP_CATEGORIES = {"pie": 12, "donut": 12, "waffle": 12}
DEFAULT_TOP = 50
BINS = 50
OTHER = "Other"
LINES = {"line", "multi-line", "area", "stacked-area", "small-multiples", "slope"}
SUMS = {
    "bar",
    "stacked-bar",
    "stacked-bar-100",
    "grouped-bar",
    "column",
    "stacked-column",
    "grouped-column",
    "pie",
    "donut",
    "waffle",
}
AVERAGES = {"heatmap", "choropleth-world", "choropleth-us"}
BIN_COUNT = "__count"
BIN_START = "__x1"
BIN_END = "__x2"


def chart_rows(parsed: ParsedCsv, chart_type: str, mapping: dict[str, Any] | None) -> dict[str, Any]:
    """{columns, rows (records), total_rows} and, when reduced, {reduced: {method, shown, of, note}}."""
    total = parsed.row_count
    if total <= MAX_ROWS:
        return {"columns": parsed.columns, "rows": parsed.records(), "total_rows": total}
    shape = _Shape(parsed, mapping or {})
    if chart_type == "table":
        rows, method = parsed.head(MAX_ROWS), "first"
        columns = parsed.columns
    elif chart_type == "histogram" and shape.value is not None:
        columns, rows = _bins(shape)
        method = "binned"
    elif (chart_type in SUMS or chart_type in AVERAGES) and shape.x is not None:
        columns, rows = parsed.columns, _aggregate(shape, chart_type)
        method = "summed" if chart_type in SUMS else "averaged"
    elif chart_type in LINES and shape.x is not None:
        columns, rows, method = parsed.columns, _extremes(shape), "downsampled"
    else:
        columns, rows, method = parsed.columns, _sample(parsed), "sampled"
    names = [column["name"] for column in columns]
    records = [dict(zip(names, row, strict=True)) for row in rows]
    return {
        "columns": columns,
        "rows": records,
        "total_rows": total,
        "reduced": {
            "method": method,
            "shown": len(records),
            "of": total,
            "note": _note(method, len(records), total),
        },
    }


def _note(method: str, shown: int, total: int) -> str:
    what = {
        "first": "the first rows",
        "binned": f"{total:,} rows counted in bins",
        "summed": f"sums of {total:,} rows per category",
        "averaged": f"averages of {total:,} rows per category",
        "downsampled": "each stretch's highest and lowest values",
        "sampled": "a random sample",
    }[method]
    return f"Showing {shown:,} of {total:,} rows ({what})."


class _Shape:
    """The mapped columns of a chart, by engine column name (c0..), and which of them hold numbers."""

    def __init__(self, parsed: ParsedCsv, mapping: dict[str, Any]) -> None:
        self.parsed = parsed
        index = {column["name"]: position for position, column in enumerate(parsed.columns)}
        kinds = [column["type"] for column in parsed.columns]

        def slot(name: str) -> int | None:
            value = mapping.get(name)
            return index.get(value) if isinstance(value, str) else None

        self.positions = {name: slot(name) for name in ("x", "y", "y2", "color", "size", "facet")}
        self.numbers = [position for position, kind in enumerate(kinds) if kind == "number"]
        self.x = self.column("x")
        y = self.positions["y"]
        self.y = f"c{y}" if y is not None and kinds[y] == "number" else None
        if self.y is None:
            others = [p for p in self.numbers if p not in (self.positions["x"], self.positions["facet"])]
            self.y = f"c{others[0]}" if others else None
        self.value = self.y or (self.x if self.positions["x"] in self.numbers else None)
        self.groups = [f"c{p}" for p in (self.positions["color"], self.positions["facet"]) if p is not None]

    def column(self, name: str) -> str | None:
        position = self.positions[name]
        return f"c{position}" if position is not None else None


def _sample(parsed: ParsedCsv) -> list[list[Any]]:
    """MAX_ROWS rows chosen by a fixed hash of their number (the same rows every time), in file order."""
    return parsed.typed(
        parsed.fetch(
            f"SELECT {parsed.select_columns()} FROM (SELECT * FROM {{table}} "
            f"ORDER BY hash(__row + 42) LIMIT {MAX_ROWS}) ORDER BY __row"
        )
    )


def _extremes(shape: _Shape) -> list[list[Any]]:
    """Per series, the rows with the lowest and highest value of each of about MAX_ROWS/2 buckets of x."""
    parsed = shape.parsed
    group = f"({', '.join(shape.groups)})" if shape.groups else "1"
    found = parsed.fetch(f"SELECT count(DISTINCT {group}) FROM {{table}}")
    series = int(found[0][0]) if found and found[0][0] else 1
    buckets = MAX_ROWS // (2 * series)
    if buckets < 10:
        return _sample(parsed)
    value = shape.y or "NULL"
    return parsed.typed(
        parsed.fetch(
            f"WITH b AS (SELECT __row, {group} AS g, {value} AS v, ntile({buckets}) OVER "
            f"(PARTITION BY {group} ORDER BY {shape.x}, __row) AS k "
            f"FROM {{table}} WHERE {shape.x} IS NOT NULL), "
            "keep AS (SELECT coalesce(arg_min(__row, v), min(__row)) AS low, "
            "coalesce(arg_max(__row, v), max(__row)) AS high FROM b GROUP BY g, k) "
            f"SELECT {parsed.select_columns()} FROM {{table}} WHERE __row IN "
            "(SELECT low FROM keep UNION SELECT high FROM keep) ORDER BY __row"
        )
    )


def _aggregate(shape: _Shape, chart_type: str) -> list[list[Any]]:
    """Number columns summed (or averaged) per x, colour and facet; x past the top categories as Other."""
    parsed = shape.parsed
    assert shape.x is not None
    keys = [shape.x, *shape.groups]
    reducer = "sum" if chart_type in SUMS else "avg"
    top = TOP_CATEGORIES.get(chart_type, DEFAULT_TOP)
    x_position = shape.positions["x"]
    x_is_text = x_position is not None and parsed.columns[x_position]["type"] == "string"
    x_key = shape.x
    parameters: list[Any] = []
    if x_is_text:
        weight = f"sum({shape.y})" if shape.y else "count(*)"
        kept = parsed.fetch(
            f"SELECT {shape.x} FROM {{table}} GROUP BY {shape.x} "
            f"ORDER BY {weight} DESC NULLS LAST, {shape.x} LIMIT {top + 1}"
        )
        if len(kept) > top:
            parameters = [[row[0] for row in kept[: top - 1]]]
            x_key = f"CASE WHEN list_contains($1, {shape.x}) THEN {shape.x} ELSE '{OTHER}' END"
    outputs = []
    for position, column in enumerate(parsed.columns):
        name = f"c{position}"
        if name == shape.x:
            outputs.append(f"{x_key} AS {name}")
        elif name in shape.groups:
            outputs.append(name)
        elif column["type"] == "number":
            outputs.append(f"{reducer}({name}) AS {name}")
        else:
            outputs.append(f"NULL AS {name}")
    group_by = ", ".join([x_key, *keys[1:]])
    return parsed.typed(
        parsed.fetch(
            f"SELECT {', '.join(outputs)} FROM {{table}} GROUP BY {group_by} "
            f"ORDER BY min(__row) LIMIT {MAX_ROWS}",
            parameters,
        )
    )


def _bins(shape: _Shape) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """BINS equal bins of the value (per colour and facet): each row a bin's middle, its edges and count."""
    parsed = shape.parsed
    value = shape.value
    found = parsed.fetch(f"SELECT min({value}), max({value}) FROM {{table}}")
    low, high = (found[0] if found else (None, None)) or (None, None)
    if low is None or high is None:
        return parsed.columns, []
    width = (float(high) - float(low)) / BINS or 1.0
    name = parsed.columns[int(str(value)[1:])]["name"]
    groups = shape.groups
    group_names = [parsed.columns[int(g[1:])]["name"] for g in groups]
    group_columns = [parsed.columns[int(g[1:])] for g in groups]
    bucket = f"least(CAST(floor(({value} - {float(low)}) / {width}) AS BIGINT), {BINS - 1})"
    rows = parsed.fetch(
        f"SELECT {bucket} AS k, {', '.join([*groups, 'count(*)'])} FROM {{table}} "
        f"WHERE {value} IS NOT NULL GROUP BY k{''.join(', ' + g for g in groups)} ORDER BY k"
    )
    columns = [
        {"name": name, "type": "number"},
        *group_columns,
        {"name": BIN_START, "type": "number"},
        {"name": BIN_END, "type": "number"},
        {"name": BIN_COUNT, "type": "number"},
    ]
    out = []
    for row in rows:
        start = float(low) + int(row[0]) * width
        out.append([start + width / 2, *row[1 : 1 + len(group_names)], start, start + width, int(row[-1])])
    return columns, out
