"""Export builders: CSV, standalone HTML (the embed bundle inlined, or the SVG fallback), PDF and PPTX."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apiclient import Api, local_settings
from pptx import Presentation
from publishing_helpers import chart_with_data, png_bytes, put_snapshot

from storyanalytics.api.services import export_page, exports, svg_chart, themes
from storyanalytics.api.services import pdf_vector as exports_vector
from storyanalytics.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = re.compile(r'<script type="application/json" id="story-analytics-payload">(.*?)</script>', re.S)

COLUMNS = [{"name": "country", "type": "string"}, {"name": "value", "type": "number"}]
ROWS = [
    {"country": "France", "value": 3},
    {"country": "Spain", "value": -1.5},
    {"country": "Italy", "value": None},
]


def test_csv_has_a_header_and_every_row() -> None:
    text = exports.rows_to_csv(COLUMNS, ROWS).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["country", "value"],
        ["France", "3"],
        ["Spain", "-1.5"],
        ["Italy", ""],
    ]


def test_csv_writes_whole_numbers_as_integers() -> None:
    rows = [{"country": "France", "value": 7.0}, {"country": "Spain", "value": 2.5}]
    text = exports.rows_to_csv(COLUMNS, rows).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["France,7", "Spain,2.5"]


def test_csv_neutralises_spreadsheet_formulas() -> None:
    rows = [{"country": '=HYPERLINK("http://x")', "value": "-2"}, {"country": "@SUM(A1)", "value": "+3"}]
    parsed = list(csv.reader(io.StringIO(exports.rows_to_csv(COLUMNS, rows).decode("utf-8-sig"))))
    assert parsed[1] == ['\'=HYPERLINK("http://x")', "-2"]
    assert parsed[2] == ["'@SUM(A1)", "+3"]


def test_export_filename_is_safe() -> None:
    assert exports.export_filename("../../etc/passwd <b>", "csv") == "etc-passwd-b.csv"
    assert exports.export_filename("", "pdf") == "chart.pdf"


@pytest.mark.parametrize(
    "chart_type",
    ["bar", "column", "grouped-column", "stacked-bar", "line", "area", "scatter", "bubble", "pie", "donut"],
)
def test_basic_types_render_as_svg_with_the_theme(chart_type: str) -> None:
    theme = themes.get_builtin("ocean")
    assert theme is not None
    rows = [{"country": f"C{i}", "value": i * 1.5 + 1} for i in range(12)]
    svg = svg_chart.render_svg(chart_type, {"mapping": {"x": "country", "y": "value"}}, COLUMNS, rows, theme)
    assert svg is not None and svg.startswith("<svg")
    assert theme.palette[0] in svg
    assert "<script" not in svg


def test_lines_over_dates_and_series_by_color_render() -> None:
    columns = [
        {"name": "day", "type": "date"},
        {"name": "n", "type": "number"},
        {"name": "group", "type": "string"},
    ]
    rows = [
        {"day": f"2024-01-{d:02d}", "n": d * (1 + g), "group": f"g{g}"}
        for d in range(1, 20)
        for g in range(3)
    ]
    theme = themes.require_base("default")
    svg = svg_chart.render_svg(
        "line", {"mapping": {"x": "day", "y": "n", "color": "group"}}, columns, rows, theme
    )
    assert svg is not None
    assert svg.count("<polyline") == 3
    assert "2024-01-" in svg


@pytest.mark.parametrize("chart_type", ["line", "multi-line", "area", "stacked-area", "scatter", "bubble"])
def test_svg_fallback_keeps_text_categories_in_data_order(chart_type: str) -> None:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"]
    columns = [{"name": "month", "type": "string"}, {"name": "v", "type": "number"}]
    rows = [{"month": m, "v": i + 1} for i, m in enumerate(months)]
    svg = svg_chart.render_svg(
        chart_type, {"mapping": {"x": "month", "y": "v"}}, columns, rows, themes.require_base("default")
    )
    assert svg is not None
    shown = [m for m in re.findall(r">([A-Z][a-z]{2})</text>", svg) if m in months]
    assert shown == sorted(shown, key=months.index) and len(shown) >= 3


def test_multi_line_without_color_draws_every_number_column() -> None:
    columns = [
        {"name": "year", "type": "string"},
        {"name": "a", "type": "number"},
        {"name": "b", "type": "number"},
    ]
    rows = [{"year": str(2000 + i), "a": i, "b": 2 * i} for i in range(5)]
    svg = svg_chart.render_svg(
        "multi-line", {"mapping": {"x": "year", "y": "a"}}, columns, rows, themes.require_base("default")
    )
    assert svg is not None and svg.count("<polyline") == 2


def test_unsupported_type_falls_back_to_none() -> None:
    theme = themes.require_base("default")
    assert svg_chart.render_svg("sankey", {}, COLUMNS, ROWS, theme) is None


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    assert svg_chart.nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]
    assert svg_chart.nice_ticks(-1.5, 3) == [-2, -1, 0, 1, 2, 3]


def test_html_is_standalone_and_escapes_user_text() -> None:
    evil = "<script>alert(1)</script>"
    page = exports.render_svg_page(
        title=evil,
        description="d",
        chart_type="bar",
        config={"mapping": {"x": "country", "y": "value"}, "source": evil},
        columns=COLUMNS,
        rows=[*ROWS, {"country": evil, "value": 1}],
        theme=themes.require_base("dark"),
    ).decode()
    assert "<script>alert(1)" not in page
    assert "<svg" in page and "<table>" in page
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing loaded from the network
    payload = re.search(
        r'<script type="application/json" id="story-analytics-chart">(.*?)</script>', page, re.S
    )
    assert payload is not None
    data = json.loads(payload.group(1))
    assert data["title"] == evil and data["data"]["rows"][0] == ROWS[0]


def test_html_for_an_unsupported_type_says_it_shows_the_table() -> None:
    page = exports.render_svg_page(
        title="t",
        description="",
        chart_type="sankey",
        config={},
        columns=COLUMNS,
        rows=ROWS,
        theme=themes.require_base("default"),
    ).decode()
    assert "shown as its data table" in page and "<svg" not in page


def test_pdf_is_the_snapshot_without_a_second_heading() -> None:
    pdf = exports.snapshot_to_pdf(png_bytes(), title="Sales", source="Our survey", alt="Sales rose")
    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 1
    assert b"/Font" not in pdf  # no text drawn over the snapshot, which shows the title already
    assert b"/Title" in pdf  # the document's title in its properties


def test_pptx_of_the_full_snapshot_adds_no_second_title() -> None:
    pptx = exports.snapshot_to_pptx(png_bytes(), title="Sales", source="Our survey", alt="Sales rose")
    deck = Presentation(io.BytesIO(pptx))
    slide = deck.slides[0]
    assert [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame] == []
    pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == 1
    assert all(shape.width > 0 and shape.height > 0 for shape in slide.shapes)
    assert pictures[0].left + pictures[0].width <= deck.slide_width
    assert pictures[0]._element.nvPicPr.cNvPr.get("descr") == "Sales rose"
    assert deck.core_properties.title == "Sales" and deck.core_properties.subject == "Source: Our survey"


def test_pptx_of_the_slide_picture_has_editable_title_description_and_source_boxes() -> None:
    pptx = exports.snapshot_to_pptx(
        png_bytes(), title="Sales", source="Our survey", description="By country", with_header=False
    )
    deck = Presentation(io.BytesIO(pptx))
    boxes = {shape.name: shape for shape in deck.slides[0].shapes if shape.has_text_frame}
    assert {name: box.text_frame.text for name, box in boxes.items()} == {
        "Title": "Sales",
        "Description": "By country",
        "Source": "Source: Our survey",
    }
    title = boxes["Title"]
    assert title.width == deck.slide_width - 2 * title.left and title.text_frame.word_wrap is True
    (picture,) = [shape for shape in deck.slides[0].shapes if shape.shape_type == 13]
    assert picture.top >= boxes["Description"].top + boxes["Description"].height
    assert picture.top + picture.height <= boxes["Source"].top


def test_pptx_slide_of_a_dark_chart_is_dark_with_light_text() -> None:
    pptx = exports.snapshot_to_pptx(png_bytes(color="#111827"), title="Night", with_header=False)
    slide = Presentation(io.BytesIO(pptx)).slides[0]
    assert str(slide.background.fill.fore_color.rgb) == "111827"
    (title,) = [shape for shape in slide.shapes if shape.has_text_frame]
    assert str(title.text_frame.paragraphs[0].font.color.rgb) == "FFFFFF"


# --- routes ------------------------------------------------------------------------------------------
def test_csv_export_is_an_attachment_with_the_data(api: Api) -> None:
    chart = chart_with_data(api, title="Sales 2024")
    response = api.get(f"/api/charts/{chart['id']}/export/csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="Sales-2024.csv"'
    assert response.content.decode("utf-8-sig").splitlines() == [
        "country,value",
        "France,3",
        "Spain,5",
        "Italy,2",
    ]


@pytest.fixture
def bundle_api(web_dist: Path, local_data_dir: Path, start_api: Callable[[Settings, str], Api]) -> Api:
    return start_api(local_settings(local_data_dir, web_dist_dir=web_dist), "local")


def _document(title: str, chart_type: str = "histogram") -> dict[str, Any]:
    return {
        "public_id": None,
        "public_version": 0,
        "title": title,
        "description": "",
        "chart_type": chart_type,
        "config": {"mapping": {"x": "country", "y": "value"}},
        "data": {"columns": COLUMNS, "rows": ROWS},
        "theme": themes.require_base("default").model_dump(),
    }


def test_html_export_inlines_the_embed_bundle_and_the_payload(bundle_api: Api, web_dist: Path) -> None:
    chart = chart_with_data(bundle_api, title="Sales 2024", chart_type="histogram", theme_id="ocean")
    response = bundle_api.get(f"/api/charts/{chart['id']}/export/html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"] == 'attachment; filename="Sales-2024.html"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page = response.text
    entry = re.search(r'src="/assets/([^"]+\.js)"', (web_dist / "embed.html").read_text())
    assert entry is not None
    entry_js = (web_dist / "assets" / entry.group(1)).read_text()
    chunks = re.findall(r'"\./([^"]+\.js)"', entry_js)
    for chunk in chunks:  # imported chunks ride in the import map under bare names
        entry_js = entry_js.replace(f'"./{chunk}"', f'"@story-analytics/assets/{chunk}"')
        chunk_js = (web_dist / "assets" / chunk).read_text()
        # Its own imports, static and dynamic (the map atlases), renamed the same way.
        chunk_js = re.sub(r"([\"'`])\./([^\"'`]+\.js)\1", r"\1@story-analytics/assets/\2\1", chunk_js)
        assert base64.b64encode(chunk_js.encode()).decode() in page
    assert f'<script type="module">{entry_js}</script>' in page
    assert '<script type="importmap">' in page
    assert not re.search(r"(src|href)=", page)  # nothing loaded from the server or the network
    payload = PAYLOAD.search(page)
    assert payload is not None
    document = json.loads(payload.group(1))
    assert document["chart_type"] == "histogram" and document["title"] == "Sales 2024"
    assert document["theme"]["id"] == "ocean" and {"country": "Spain", "value": 5} in document["data"]["rows"]
    assert "<title>Sales 2024 · Story Analytics</title>" in page


def test_html_export_carries_a_csp_that_runs_only_its_own_scripts(web_dist: Path) -> None:
    page = export_page.render_bundle_page(web_dist, _document("Sales")).decode()
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert meta is not None and meta.start() < page.index("<script")
    directives = dict(part.strip().split(" ", 1) for part in meta.group(1).split(";"))
    assert directives["default-src"] == "'none'" and directives["connect-src"] == "'none'"
    assert directives["object-src"] == directives["base-uri"] == directives["form-action"] == "'none'"
    inline = re.findall(r'<script type="(?:importmap|module)">(.*?)</script>', page, re.S)
    assert len(inline) == 2
    for source in inline:
        assert export_page.script_hash(source) in directives["script-src"].split()


def test_html_payload_escapes_script_closers_and_line_separators(web_dist: Path) -> None:
    evil = "</script><script>alert(1)</script><!-- \u2028\u2029"
    page = exports.render_html(_document(evil), web_dist).decode()
    assert "<script>alert(1)" not in page
    payload = PAYLOAD.search(page)
    assert payload is not None and json.loads(payload.group(1))["title"] == evil
    assert "\u2028" not in payload.group(1) and "\u2029" not in payload.group(1)
    assert "\\u2028\\u2029" in payload.group(1)


def test_html_bundle_template_is_assembled_once_per_build(web_dist: Path) -> None:
    assert export_page.embed_template(web_dist) is export_page.embed_template(web_dist)


def test_html_export_without_a_built_web_app_is_the_svg_page_with_a_note(
    local_data_dir: Path, tmp_path: Path, start_api: Callable[[Settings, str], Api]
) -> None:
    empty = tmp_path / "empty-dist"
    empty.mkdir()
    api = start_api(local_settings(local_data_dir, web_dist_dir=empty), "local")
    chart = chart_with_data(api, theme_id="ocean")
    response = api.get(f"/api/charts/{chart['id']}/export/html")
    assert response.status_code == 200
    page = response.text
    assert "<svg" in page and themes.BUILTIN_BY_ID["ocean"].palette[0] in page and "Spain" in page
    assert exports.NO_BUNDLE_NOTE in page and 'type="module"' not in page


def test_html_falls_back_when_the_built_embed_page_is_broken(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "embed.html").write_text(
        '<html><head><title>e</title><script type="module" src="/assets/gone.js"></script></head></html>'
    )
    page = exports.render_html(_document("t", "bar"), dist).decode()
    assert exports.NO_BUNDLE_NOTE in page and "<svg" in page


@pytest.mark.parametrize("fmt", ["png", "pdf", "pptx"])
def test_snapshot_formats_without_a_snapshot_are_409(local_api: Api, fmt: str) -> None:
    chart = local_api.chart()
    response = local_api.get(f"/api/charts/{chart['id']}/export/{fmt}")
    assert response.status_code == 409 and "snapshot" in response.json()["detail"]


def test_png_pdf_and_pptx_are_built_from_the_snapshot(api: Api, snapshotted_chart: dict[str, Any]) -> None:
    chart = snapshotted_chart
    assert api.get(f"/api/charts/{chart['id']}/export/png").content == png_bytes(300, 200)
    pdf = api.get(f"/api/charts/{chart['id']}/export/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    pptx = api.get(f"/api/charts/{chart['id']}/export/pptx")
    assert pptx.status_code == 200
    assert Presentation(io.BytesIO(pptx.content)).core_properties.subject == "Source: Survey"


def test_csv_export_without_data_is_409_and_unknown_format_422(local_api: Api) -> None:
    chart = local_api.chart()
    assert local_api.get(f"/api/charts/{chart['id']}/export/csv").status_code == 409
    assert local_api.get(f"/api/charts/{chart['id']}/export/docx").status_code == 422


def test_exports_of_other_teams_charts_are_404(cloud_api: Api) -> None:
    chart = chart_with_data(cloud_api)
    other = cloud_api.new_user()
    assert cloud_api.client.get(f"/api/charts/{chart['id']}/export/csv", headers=other).status_code == 404


SVG = "image/svg+xml"
VECTOR_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
    b'<text x="10" y="20" font-size="16">Sales \xe2\x88\x922 \xe2\x86\x91</text>'
    b'<path d="M10,150L100,80L200,120" stroke="#4e79a7" fill="none"/>'
    b'<rect x="20" y="160" width="30" height="30" fill="#f28e2b"/></svg>'
)


def test_vector_pdf_draws_marks_and_text_as_vectors() -> None:
    pdf = exports_vector.svg_to_pdf(VECTOR_SVG, title="Sales", alt="Sales fell")
    assert pdf.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in pdf
    assert b"/Font" in pdf  # the title and labels are text, not pixels


def test_pdf_export_falls_back_to_the_snapshot_for_text_the_pdf_fonts_lack(
    api: Api, snapshotted_chart: dict[str, Any]
) -> None:
    chart = snapshotted_chart
    greek = VECTOR_SVG.replace(b"Sales", "Πωλήσεις".encode())
    put_snapshot(api, chart["id"], greek, "vector", SVG)
    pdf = api.get(f"/api/charts/{chart['id']}/export/pdf").content
    assert b"/Subtype /Image" in pdf  # the picture shows the Greek text; the vector fonts could not


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html></html>", "not an SVG"),
        (b"<svg", "well-formed"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "width"),
    ],
)
def test_vector_snapshot_that_is_not_a_usable_svg_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(exports_vector.VectorSnapshotError, match=reason):
        exports_vector.check_svg(body)


def test_svg_the_pdf_library_cannot_draw_falls_back_to_the_snapshot_not_a_500(
    api: Api, snapshotted_chart: dict[str, Any]
) -> None:
    chart = snapshotted_chart
    undrawable = VECTOR_SVG.replace(b"<rect ", b'<line stroke="red"/><rect ')  # fpdf2 needs x1..y2
    put_snapshot(api, chart["id"], undrawable, "vector", SVG)
    response = api.get(f"/api/charts/{chart['id']}/export/pdf")
    assert response.status_code == 200 and b"/Subtype /Image" in response.content


def test_pptx_export_uses_the_slide_picture_until_a_newer_snapshot_replaces_it(api: Api) -> None:
    chart = chart_with_data(api, title="Sales")
    chart_id = chart["id"]
    put_snapshot(api, chart_id, png_bytes(300, 200))
    assert put_snapshot(api, chart_id, png_bytes(300, 150), "slide").status_code == 204

    def deck_texts() -> list[str]:
        deck = Presentation(io.BytesIO(api.get(f"/api/charts/{chart_id}/export/pptx").content))
        return [shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame]

    assert "Sales" in deck_texts()
    put_snapshot(api, chart_id, png_bytes(300, 200))
    assert deck_texts() == []  # the new snapshot shows the title itself; the old slide picture is gone
    assert put_snapshot(api, chart_id, b"GIF89a", "slide").status_code == 422


def test_pdf_export_uses_the_vector_snapshot_when_there_is_one(
    api: Api, snapshotted_chart: dict[str, Any]
) -> None:
    chart = snapshotted_chart
    raster = api.get(f"/api/charts/{chart['id']}/export/pdf").content
    assert b"/Subtype /Image" in raster
    assert put_snapshot(api, chart["id"], VECTOR_SVG, "vector", SVG).status_code == 204
    vector = api.get(f"/api/charts/{chart['id']}/export/pdf").content
    assert b"/Subtype /Image" not in vector and b"/Font" in vector
    assert put_snapshot(api, chart["id"], b"<p/>", "vector", "text/html").status_code == 415


@pytest.mark.parametrize(
    ("locale", "value", "written"),
    [
        ("en-US", 1234.5, "1,234.5"),
        ("de-DE", 1234.5, "1.234,5"),
        ("de-DE", 12500, "12,5k"),
        ("fr-FR", 1234.5, "1\u202f234,5"),
    ],
)
def test_svg_fallback_writes_numbers_in_the_charts_language(locale: str, value: float, written: str) -> None:
    assert svg_chart.format_number(value, locale) == written


def test_the_charts_own_language_wins_over_the_sites() -> None:
    document = {"locale": "de-DE", "config": {"options": {"locale": "fr-FR"}}}
    assert exports.chart_locale(document) == "fr-FR"
    assert exports.chart_locale({"locale": "de-DE", "config": {}}) == "de-DE"
    assert exports.chart_locale({}) == "en-US"


def test_html_export_carries_the_sites_language_for_the_chart(bundle_api: Api) -> None:
    assert bundle_api.put("/api/settings", json={"locale": "de-DE"}).status_code == 200
    chart = chart_with_data(bundle_api)
    page = bundle_api.get(f"/api/charts/{chart['id']}/export/html").text
    payload = PAYLOAD.search(page)
    assert payload is not None and json.loads(payload.group(1))["locale"] == "de-DE"
