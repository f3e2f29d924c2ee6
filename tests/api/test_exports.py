"""Export builders: CSV, standalone HTML with an inline SVG, PDF and PPTX around the snapshot."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from apiclient import Api
from pptx import Presentation
from publishing_helpers import chart_with_data, png_bytes

from storyanalytics.api.services import exports, svg_chart, themes

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
    page = exports.render_html(
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
    page = exports.render_html(
        title="t",
        description="",
        chart_type="sankey",
        config={},
        columns=COLUMNS,
        rows=ROWS,
        theme=themes.require_base("default"),
    ).decode()
    assert "shown as its data table" in page and "<svg" not in page


def test_pdf_contains_one_page_built_from_the_snapshot() -> None:
    pdf = exports.snapshot_to_pdf(png_bytes(), title="Sales", source="Our survey")
    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 1


def test_pptx_has_title_picture_and_source() -> None:
    deck = Presentation(io.BytesIO(exports.snapshot_to_pptx(png_bytes(), title="Sales", source="Our survey")))
    slide = deck.slides[0]
    texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    assert "Sales" in texts and "Source: Our survey" in texts
    pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == 1
    assert pictures[0].left + pictures[0].width <= deck.slide_width


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


def test_html_export_draws_the_chart_with_its_theme(api: Api) -> None:
    chart = chart_with_data(api, theme_id="ocean")
    response = api.get(f"/api/charts/{chart['id']}/export/html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<svg" in page and themes.BUILTIN_BY_ID["ocean"].palette[0] in page and "Spain" in page


@pytest.mark.parametrize("fmt", ["png", "pdf", "pptx"])
def test_snapshot_formats_without_a_snapshot_are_409(local_api: Api, fmt: str) -> None:
    chart = local_api.chart()
    response = local_api.get(f"/api/charts/{chart['id']}/export/{fmt}")
    assert response.status_code == 409 and "snapshot" in response.json()["detail"]


def test_png_pdf_and_pptx_are_built_from_the_snapshot(api: Api) -> None:
    chart = chart_with_data(api)
    snapshot = png_bytes(300, 200)
    api.put(f"/api/charts/{chart['id']}/snapshot", content=snapshot, headers={"Content-Type": "image/png"})
    assert api.get(f"/api/charts/{chart['id']}/export/png").content == snapshot
    pdf = api.get(f"/api/charts/{chart['id']}/export/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    pptx = api.get(f"/api/charts/{chart['id']}/export/pptx")
    assert pptx.status_code == 200
    assert "Source: Survey" in [
        s.text_frame.text for s in Presentation(io.BytesIO(pptx.content)).slides[0].shapes if s.has_text_frame
    ]


def test_csv_export_without_data_is_409_and_unknown_format_422(local_api: Api) -> None:
    chart = local_api.chart()
    assert local_api.get(f"/api/charts/{chart['id']}/export/csv").status_code == 409
    assert local_api.get(f"/api/charts/{chart['id']}/export/docx").status_code == 422


def test_exports_of_other_teams_charts_are_404(cloud_api: Api) -> None:
    chart = chart_with_data(cloud_api)
    other = cloud_api.new_user()
    assert cloud_api.client.get(f"/api/charts/{chart['id']}/export/csv", headers=other).status_code == 404
