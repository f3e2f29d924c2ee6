"""Chart exports: CSV, a standalone HTML page, and PDF / PPTX built around the chart's PNG snapshot."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from storyanalytics.api.services.export_page import BundleError, json_for_script, render_bundle_page
from storyanalytics.api.services.svg_chart import render_svg
from storyanalytics.api.services.themes import Theme

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "html", "png", "pdf", "pptx")
SNAPSHOT_FORMATS = frozenset({"png", "pdf", "pptx"})
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "png": "image/png",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
MAX_HTML_TABLE_ROWS = 5_000
# Spreadsheets run cells that start with these as formulas; a leading quote keeps them text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def export_filename(title: str, fmt: str) -> str:
    """A safe download name from the chart's title."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", title).strip("-.")[:80] or "chart"
    return f"{stem}.{fmt}"


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))  # 7, not 7.0: the number as the user wrote it
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not NUMBER.match(text):
        return "'" + text
    return text


def rows_to_csv(columns: Sequence[dict[str, Any]], rows: Iterable[dict[str, Any]]) -> bytes:
    """CSV with a header row, UTF-8 with BOM so spreadsheet programs read accents right."""
    names = [str(column["name"]) for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(name) for name in names])
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in names])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _table(columns: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]) -> str:
    names = [str(column["name"]) for column in columns]
    numeric = {str(column["name"]) for column in columns if column.get("type") == "number"}
    head = "".join(f"<th>{escape(name)}</th>" for name in names)
    body = []
    for row in rows[:MAX_HTML_TABLE_ROWS]:
        cells = []
        for name in names:
            value = row.get(name)
            css = ' class="num"' if name in numeric else ""
            cells.append(f"<td{css}>{escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if len(rows) > MAX_HTML_TABLE_ROWS:
        note = (
            f'<p class="note">Showing the first {MAX_HTML_TABLE_ROWS:,} of {len(rows):,} rows; '
            "download the CSV export for all of them.</p>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


NO_BUNDLE_NOTE = (
    "This page was exported by a server without the built web app, so it shows a simpler drawing "
    "than the app: rebuild the web app (npm run build) on the server for an exact one."
)


def render_html(document: dict[str, Any], web_dist: Path | None) -> bytes:
    """The standalone page: the embed bundle with the chart inlined (every chart type, exactly as the
    embed draws it); without a usable built web app, the simpler SVG page with a note saying so.

    `document` has the public payload's shape (storyanalytics.api.services.published.chart_document)."""
    if web_dist is not None:
        try:
            return render_bundle_page(web_dist, document)
        except BundleError as exc:
            logger.warning("HTML export falls back to the SVG page: %s", exc)
    data = document.get("data") or {}
    return render_svg_page(
        title=document.get("title") or "Chart",
        description=document.get("description") or "",
        chart_type=str(document.get("chart_type") or ""),
        config=document.get("config") or {},
        columns=data.get("columns") or [],
        rows=data.get("rows") or [],
        theme=Theme.model_validate(document["theme"]),
        note=NO_BUNDLE_NOTE,
        locale=chart_locale(document),
    )


def chart_locale(document: dict[str, Any]) -> str:
    """The language of a chart's numbers: its own (options.locale), else the site's, as in the web app."""
    options = (document.get("config") or {}).get("options")
    own = options.get("locale") if isinstance(options, dict) else None
    site = document.get("locale")
    return own if isinstance(own, str) and own else site if isinstance(site, str) and site else "en-US"


def render_svg_page(
    *,
    title: str,
    description: str,
    chart_type: str,
    config: dict[str, Any],
    columns: Sequence[dict[str, Any]],
    rows: Sequence[dict[str, Any]],
    theme: Theme,
    note: str = "",
    locale: str = "en-US",
) -> bytes:
    """The fallback page: an inline SVG of the chart (basic types), the data table, and the chart's
    config, data and theme as JSON, with no external resource and no script that runs."""
    svg = render_svg(chart_type, config, columns, rows, theme, title=title, locale=locale)
    colors = theme.colors
    fonts = theme.fonts
    source = config.get("source") if isinstance(config.get("source"), str) else ""
    notes = config.get("notes") if isinstance(config.get("notes"), str) else ""
    if svg is None:
        figure = (
            f'<p class="note">This export draws bar, column, line, area, scatter and pie charts; '
            f"a {escape(chart_type)} chart is shown as its data table below.</p>"
        )
    else:
        figure = f"<figure>{svg}</figure>"
    payload = {
        "title": title,
        "description": description,
        "chart_type": chart_type,
        "config": config,
        "data": {"columns": list(columns), "rows": list(rows)},
        "theme": theme.model_dump(),
    }
    exported = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>{escape(title or "Chart")}</title>
<style>
body {{ margin: 0; padding: 24px; background: {colors.background}; color: {colors.text};
  font-family: {fonts.family}; font-size: {fonts.body_size}px; }}
main {{ max-width: 760px; margin: 0 auto; }}
h1 {{ font-size: {fonts.title_size}px; margin: 0 0 4px; }}
.description, .note, footer {{ color: {colors.muted}; }}
figure {{ margin: 16px 0; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 16px; }}
th, td {{ border-bottom: 1px solid {colors.grid}; padding: 4px 8px; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
details {{ margin-top: 16px; }}
</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="description">{escape(description)}</p>
{f'<p class="note" role="note">{escape(note)}</p>' if note else ""}
{figure}
{f'<p class="note">{escape(notes)}</p>' if notes else ""}
<footer>{f"Source: {escape(source)} · " if source else ""}Exported from Story Analytics on {exported}</footer>
<details><summary>Data ({len(rows):,} rows)</summary>
{_table(columns, rows)}
</details>
</main>
<script type="application/json" id="story-analytics-chart">{json_for_script(payload)}</script>
</body>
</html>
"""
    return page.encode("utf-8")


def snapshot_to_pdf(png: bytes, *, title: str, source: str = "", alt: str = "") -> bytes:
    """A one-page PDF of the snapshot, which already shows the title and source (no second heading);
    the title and alternative text go into the document's properties."""
    from PIL import Image  # here, by the first export, not with the app: ~10 ms of every start otherwise

    with Image.open(io.BytesIO(png)) as opened:
        chart = opened.convert("RGBA")
    margin = max(24, chart.width // 30)
    page = Image.new("RGB", (chart.width + 2 * margin, chart.height + 2 * margin), "white")
    page.paste(chart, (margin, margin), chart)
    buffer = io.BytesIO()
    page.save(
        buffer,
        "PDF",
        resolution=144.0,
        title=title or "Chart",
        subject=(alt or (f"Source: {source}" if source else ""))[:500],
        producer="Story Analytics",
    )
    return buffer.getvalue()


def snapshot_to_pptx(
    png: bytes,
    *,
    title: str,
    source: str = "",
    alt: str = "",
    description: str = "",
    with_header: bool = True,
) -> bytes:
    """A 16:9 slide with the chart's picture scaled to fit.

    `with_header=False` (the editor's slide picture, drawn without title, description and source): the
    slide shows those as editable text boxes the width of the slide, so nothing is said twice.
    `with_header=True` (only the full snapshot exists): the picture already shows them, so no box does."""
    from PIL import Image  # see snapshot_to_pdf
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    with Image.open(io.BytesIO(png)) as opened:
        width_px, height_px = opened.size
        red, green, blue = opened.convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    presentation = Presentation()
    slide_width, slide_height = Inches(13.333), Inches(7.5)
    presentation.slide_width = slide_width
    presentation.slide_height = slide_height
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    margin = Inches(0.4)
    top, bottom = int(margin), int(slide_height - margin)
    # The slide in the chart's own background (a dark theme stays dark), its text readable on it.
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = RGBColor(red, green, blue)
    ink = (
        RGBColor(0xFF, 0xFF, 0xFF) if 0.299 * red + 0.587 * green + 0.114 * blue < 128 else RGBColor(0, 0, 0)
    )

    def text_box(name: str, text: str, y: int, height: int, size: int, bold: bool = False) -> None:
        box = slide.shapes.add_textbox(Emu(margin), Emu(y), Emu(slide_width - 2 * margin), Emu(height))
        box.name = name
        frame = box.text_frame
        frame.word_wrap = True  # wrap inside the box's width (LibreOffice cuts an unwrapped line)
        frame.text = text
        font = frame.paragraphs[0].font
        font.size, font.bold = Pt(size), bold
        font.color.rgb = ink

    if not with_header:
        if title:
            text_box("Title", title, top, int(Inches(0.7)), 28, bold=True)
            top += int(Inches(0.75))
        if description:
            text_box("Description", description, top, int(Inches(0.5)), 16)
            top += int(Inches(0.55))
        if source:
            bottom -= int(Inches(0.4))
            text_box("Source", f"Source: {source}", bottom + int(Inches(0.05)), int(Inches(0.35)), 12)
    box_width = slide_width - 2 * margin
    box_height = max(1, bottom - top)
    scale = min(box_width / width_px, box_height / height_px)
    picture_width, picture_height = int(width_px * scale), int(height_px * scale)
    picture = slide.shapes.add_picture(
        io.BytesIO(png),
        Emu(margin + (box_width - picture_width) // 2),
        Emu(top + (box_height - picture_height) // 2),
        Emu(picture_width),
        Emu(picture_height),
    )
    picture.name = (title or "Chart")[:200]
    description_text = alt or " · ".join(
        part for part in (title, f"Source: {source}" if source else "") if part
    )
    picture._element.nvPicPr.cNvPr.set("descr", description_text[:2000])
    presentation.core_properties.title = title or "Chart"
    if source:
        presentation.core_properties.subject = f"Source: {source}"[:255]
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()
