"""A small server-side SVG renderer, so an exported HTML page shows the chart with no server and no script.

It draws the basic types (vertical and horizontal bars, lines, areas, scatter, pie/donut) with the chart's
theme and mapping; anything else returns None and the page shows the data table only. Every text that comes
from the user is escaped; the SVG contains no script.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from html import escape
from typing import Any

from storyanalytics.api.services.themes import Theme

# The web app's chart type ids (web/src/charts/types.js): "bar" is horizontal, "column" vertical.
VERTICAL_BARS = frozenset({"column", "stacked-column", "grouped-column"})
HORIZONTAL_BARS = frozenset({"bar", "stacked-bar", "grouped-bar"})
LINES = frozenset({"line", "multi-line"})
AREAS = frozenset({"area", "stacked-area"})
SCATTER = frozenset({"scatter", "bubble"})
PIES = frozenset({"pie", "donut"})
# Types that draw every number column as a series when no color column is mapped, as the web app does.
SERIES_TYPES = frozenset(
    {"stacked-column", "grouped-column", "stacked-bar", "grouped-bar", "multi-line", "stacked-area"}
)
SUPPORTED_TYPES = VERTICAL_BARS | HORIZONTAL_BARS | LINES | AREAS | SCATTER | PIES

MAX_CATEGORIES = 200
MAX_POINTS = 20_000
MARGIN = {"top": 20, "right": 20, "bottom": 48, "left": 64}


@dataclass(frozen=True)
class Mapping:
    x: str
    ys: tuple[str, ...]
    color: str | None
    size: str | None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _as_time(value: Any) -> float | None:
    """Seconds since the epoch for ISO dates and datetimes; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            parsed: datetime = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def resolve_mapping(
    config: dict[str, Any], columns: Sequence[dict[str, Any]], *, all_series: bool = False
) -> Mapping | None:
    """The columns to draw: the config's mapping, else the first column against the first number column.

    With `all_series` and no color column, every number column becomes a series."""
    names = [str(column.get("name")) for column in columns]
    types = {str(column.get("name")): column.get("type") for column in columns}
    raw = config.get("mapping") if isinstance(config.get("mapping"), dict) else {}
    assert isinstance(raw, dict)
    x = raw.get("x") if raw.get("x") in names else None
    y_raw = raw.get("y")
    ys = [y for y in (y_raw if isinstance(y_raw, list) else [y_raw]) if isinstance(y, str) and y in names]
    if x is None and names:
        x = names[0]
    if not ys:
        ys = [name for name in names if name != x and types.get(name) == "number"][:1]
    if x is None or not ys:
        return None
    color = raw.get("color") if raw.get("color") in names else None
    size = raw.get("size") if raw.get("size") in names else None
    if all_series and color is None and len(ys) == 1:
        skip = {x, size, raw.get("facet")}
        ys = [name for name in names if types.get(name) == "number" and name not in skip] or ys
    return Mapping(x=x, ys=tuple(ys), color=color, size=size)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], as d3's ticks do."""
    if low == high:
        high = low + 1
    span = high - low
    step = 10 ** math.floor(math.log10(span / count))
    error = span / count / step
    if error >= 7.5:
        step *= 10
    elif error >= 3.5:
        step *= 5
    elif error >= 1.5:
        step *= 2
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    ticks = []
    value = start
    while value <= stop + step / 2:
        ticks.append(round(value, 10))
        value += step
    return ticks


# Decimal and thousands marks by language (as the browser's Intl.NumberFormat writes them), so this page
# reads like the charts the web app draws; other languages read as en-US.
_DOT_GROUP = frozenset({"de", "es", "it", "nl", "pt", "da", "id", "tr", "el", "ro", "hr", "sl", "sr"})
_SPACE_GROUP = frozenset({"fr", "sv", "pl", "nb", "no", "fi", "cs", "sk", "ru", "uk", "hu", "bg", "lt"})


def locale_marks(locale: str = "en-US") -> tuple[str, str]:
    """(decimal mark, thousands mark) of a language tag: de-DE -> (",", "."), fr-FR -> (",", narrow space)."""
    language = locale.split("-", 1)[0].lower()
    if language in _DOT_GROUP:
        return ",", "."
    if language in _SPACE_GROUP:
        return ",", "\u202f" if language == "fr" else "\u00a0"
    return ".", ","


def format_number(value: float, locale: str = "en-US") -> str:
    """Short numbers as the web app writes them: 1,234 · 12.3k · 4.5M, in the locale's marks."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e9:
        text = f"{value / 1e9:g}B"
    elif magnitude >= 1e6:
        text = f"{value / 1e6:g}M"
    elif magnitude >= 1e4:
        text = f"{value / 1e3:g}k"
    else:
        text = f"{value:,.10g}"
    decimal, group = locale_marks(locale)
    return text.translate({ord(","): group, ord("."): decimal})


class _Canvas:
    def __init__(self, width: int, height: int, theme: Theme, locale: str = "en-US") -> None:
        self.width = width
        self.height = height
        self.theme = theme
        self.locale = locale
        self.parts: list[str] = []
        self.left = MARGIN["left"]
        self.right = width - MARGIN["right"]
        self.top = MARGIN["top"]
        self.bottom = height - MARGIN["bottom"]

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        anchor: str = "middle",
        size: int | None = None,
        fill: str | None = None,
        rotate: float | None = None,
    ) -> None:
        transform = f' transform="rotate({rotate:.0f} {x:.1f} {y:.1f})"' if rotate else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"'
            f' font-size="{size or self.theme.fonts.body_size}"'
            f' fill="{fill or self.theme.colors.muted}"{transform}>{escape(content)}</text>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1) -> None:
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"'
            f' stroke-width="{width}"/>'
        )

    def svg(self, title: str) -> str:
        theme = self.theme
        family = escape(theme.fonts.family, quote=True)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {self.width} {self.height}"'
            f' width="100%" style="max-width:{self.width}px;height:auto;background:{theme.colors.background}"'
            f' font-family="{family}"><title>{escape(title)}</title>' + "".join(self.parts) + "</svg>"
        )


class _LinearScale:
    def __init__(self, low: float, high: float, start: float, stop: float) -> None:
        self.ticks = nice_ticks(low, high)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.start, self.stop = start, stop

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return self.start
        return self.start + (value - self.low) / (self.high - self.low) * (self.stop - self.start)


def _series_colors(theme: Theme, keys: Iterable[str]) -> dict[str, str]:
    palette = theme.palette
    return {key: palette[index % len(palette)] for index, key in enumerate(keys)}


def _value_axis(canvas: _Canvas, scale: _LinearScale, *, vertical: bool) -> None:
    colors = canvas.theme.colors
    for tick in scale.ticks:
        position = scale(tick)
        if vertical:
            canvas.line(canvas.left, position, canvas.right, position, colors.grid)
            canvas.text(canvas.left - 6, position + 4, format_number(tick, canvas.locale), anchor="end")
        else:
            canvas.line(position, canvas.top, position, canvas.bottom, colors.grid)
            canvas.text(position, canvas.bottom + 16, format_number(tick, canvas.locale))


def _legend(canvas: _Canvas, colors: dict[str, str]) -> None:
    if len(colors) < 2:
        return
    x = canvas.left
    for key, color in list(colors.items())[:12]:
        canvas.parts.append(f'<rect x="{x:.1f}" y="4" width="10" height="10" fill="{color}"/>')
        canvas.text(x + 14, 13, key, anchor="start", fill=canvas.theme.colors.text)
        x += 24 + 7 * min(len(key), 20)


def _long_rows(mapping: Mapping, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, str, float]]:
    """(x, series, y) triples: one series per y column, or per value of the color column."""
    triples = []
    for row in rows[:MAX_POINTS]:
        for y in mapping.ys:
            value = _as_number(row.get(y))
            if value is None:
                continue
            series = _label(row.get(mapping.color)) if mapping.color is not None else y
            triples.append((row.get(mapping.x), series, value))
    return triples


def _bars(canvas: _Canvas, mapping: Mapping, rows: Sequence[dict[str, Any]], horizontal: bool) -> None:
    triples = _long_rows(mapping, rows)
    categories: list[str] = []
    series: list[str] = []
    values: dict[tuple[str, str], float] = {}
    for x, key, value in triples:
        label = _label(x)
        if label not in categories:
            if len(categories) >= MAX_CATEGORIES:
                continue
            categories.append(label)
        if key not in series:
            series.append(key)
        values[(label, key)] = values.get((label, key), 0.0) + value
    if not categories:
        return
    numbers = [*values.values(), 0.0]
    colors = _series_colors(canvas.theme, series)
    if horizontal:
        canvas.left = min(canvas.width // 3, 12 + 7 * max(len(c) for c in categories[:50]))
        scale = _LinearScale(min(numbers), max(numbers), canvas.left, canvas.right)
    else:
        scale = _LinearScale(min(numbers), max(numbers), canvas.bottom, canvas.top)
    _value_axis(canvas, scale, vertical=not horizontal)
    extent = (canvas.bottom - canvas.top) if horizontal else (canvas.right - canvas.left)
    band = extent / len(categories)
    inner = band * 0.8 / len(series)
    zero = scale(0.0)
    for index, category in enumerate(categories):
        start = (canvas.top if horizontal else canvas.left) + index * band + band * 0.1
        for number, key in enumerate(series):
            if (category, key) not in values:
                continue
            end = scale(values[(category, key)])
            offset = start + number * inner
            low, high = sorted((zero, end))
            if horizontal:
                rect = f'x="{low:.1f}" y="{offset:.1f}" width="{high - low:.1f}" height="{inner:.1f}"'
            else:
                rect = f'x="{offset:.1f}" y="{low:.1f}" width="{inner:.1f}" height="{high - low:.1f}"'
            canvas.parts.append(
                f'<rect {rect} fill="{colors[key]}"><title>{escape(category)}: '
                f"{escape(format_number(values[(category, key)], canvas.locale))}</title></rect>"
            )
        center = start + band * 0.4
        if horizontal:
            canvas.text(canvas.left - 6, center + 4, category[:30], anchor="end")
        elif len(categories) <= 40:
            rotate = -35 if len(categories) > 8 else None
            canvas.text(
                center, canvas.bottom + 16, category[:20], anchor="end" if rotate else "middle", rotate=rotate
            )
    axis = canvas.theme.colors.axis
    if horizontal:
        canvas.line(zero, canvas.top, zero, canvas.bottom, axis)
    else:
        canvas.line(canvas.left, zero, canvas.right, zero, axis)
    _legend(canvas, colors)


def _date_label(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d")


def _xy(canvas: _Canvas, mapping: Mapping, rows: Sequence[dict[str, Any]], kind: str) -> None:
    triples = _long_rows(mapping, rows)
    if not triples:
        return
    xs_raw = [x for x, _, _ in triples]
    numeric = [_as_number(x) for x in xs_raw]
    times = [_as_time(x) for x in xs_raw]
    ordinal: list[str] = []
    tick_label: Callable[[float], str]
    if all(value is not None for value in numeric):
        positions = [float(value) for value in numeric if value is not None]
        tick_label = partial(format_number, locale=canvas.locale)
    elif all(value is not None for value in times):
        positions = [float(value) for value in times if value is not None]
        tick_label = _date_label
    else:
        for x in xs_raw:
            if _label(x) not in ordinal:
                ordinal.append(_label(x))
        positions = [float(ordinal.index(_label(x))) for x in xs_raw]

        def tick_label(index: float) -> str:
            whole = round(index)
            return ordinal[whole][:16] if 0 <= whole < len(ordinal) else ""

    ys = [value for _, _, value in triples]
    y_low = min([*ys, 0.0]) if kind != "scatter" else min(ys)
    y_scale = _LinearScale(y_low, max(ys), canvas.bottom, canvas.top)
    x_scale = _LinearScale(min(positions), max(positions), canvas.left, canvas.right)
    if ordinal:
        x_scale.ticks = [float(index) for index in range(len(ordinal))][:: max(1, len(ordinal) // 8)]
        x_scale.low, x_scale.high = 0.0, float(max(len(ordinal) - 1, 1))
    _value_axis(canvas, y_scale, vertical=True)
    colors_theme = canvas.theme.colors
    for tick in x_scale.ticks if ordinal else x_scale.ticks[:: max(1, len(x_scale.ticks) // 7)]:
        canvas.text(x_scale(tick), canvas.bottom + 16, tick_label(tick))
    canvas.line(canvas.left, canvas.bottom, canvas.right, canvas.bottom, colors_theme.axis)
    by_series: dict[str, list[tuple[float, float]]] = {}
    for (_, key, value), position in zip(triples, positions, strict=True):
        by_series.setdefault(key, []).append((x_scale(position), y_scale(value)))
    colors = _series_colors(canvas.theme, by_series)
    for key, points in by_series.items():
        color = colors[key]
        if kind == "scatter":
            for x, y in points:
                canvas.parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}" fill-opacity="0.75"/>'
                )
            continue
        points.sort()
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        if kind == "area":
            zero = y_scale(0.0)
            canvas.parts.append(
                f'<polygon points="{points[0][0]:.1f},{zero:.1f} {path} {points[-1][0]:.1f},{zero:.1f}"'
                f' fill="{color}" fill-opacity="0.35" stroke="none"/>'
            )
        canvas.parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
    _legend(canvas, colors)


def _pie(canvas: _Canvas, mapping: Mapping, rows: Sequence[dict[str, Any]], donut: bool) -> None:
    totals: dict[str, float] = {}
    for row in rows[:MAX_POINTS]:
        value = _as_number(row.get(mapping.ys[0]))
        if value is None or value <= 0:
            continue
        label = _label(row.get(mapping.x))
        if label in totals or len(totals) < MAX_CATEGORIES:
            totals[label] = totals.get(label, 0.0) + value
    total = sum(totals.values())
    if total <= 0:
        return
    colors = _series_colors(canvas.theme, totals)
    cx, cy = canvas.width / 2, (canvas.height + 20) / 2
    radius = min(canvas.width, canvas.height - 40) / 2 - 10
    angle = -math.pi / 2
    for label, value in totals.items():
        sweep = value / total * 2 * math.pi
        if sweep >= 2 * math.pi - 1e-9:
            canvas.parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{colors[label]}"/>'
            )
            break
        x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        angle += sweep
        x2, y2 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        large = 1 if sweep > math.pi else 0
        canvas.parts.append(
            f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} A{radius:.1f},{radius:.1f} 0 {large} 1'
            f' {x2:.1f},{y2:.1f} Z" fill="{colors[label]}" stroke="{canvas.theme.colors.background}">'
            f"<title>{escape(label)}: {escape(format_number(value, canvas.locale))}</title></path>"
        )
    if donut:
        canvas.parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius * 0.55:.1f}"'
            f' fill="{canvas.theme.colors.background}"/>'
        )
    _legend(canvas, colors)


def render_svg(
    chart_type: str,
    config: dict[str, Any],
    columns: Sequence[dict[str, Any]],
    rows: Sequence[dict[str, Any]],
    theme: Theme,
    *,
    title: str = "",
    width: int = 720,
    height: int = 420,
    locale: str = "en-US",
) -> str | None:
    """The chart as an SVG string, or None when the type or data cannot be drawn here."""
    kind = chart_type.strip().lower()
    if kind not in SUPPORTED_TYPES or not rows:
        return None
    mapping = resolve_mapping(config, columns, all_series=kind in SERIES_TYPES)
    if mapping is None:
        return None
    canvas = _Canvas(width, height, theme, locale)
    if kind in VERTICAL_BARS or kind in HORIZONTAL_BARS:
        _bars(canvas, mapping, rows, horizontal=kind in HORIZONTAL_BARS)
    elif kind in PIES:
        _pie(canvas, mapping, rows, donut=kind != "pie")
    elif kind in SCATTER:
        _xy(canvas, mapping, rows, "scatter")
    else:
        _xy(canvas, mapping, rows, "area" if kind in AREAS else "line")
    if not canvas.parts:
        return None
    return canvas.svg(title or chart_type)
