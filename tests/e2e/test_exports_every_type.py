"""Every chart type exported as a user does it, from the editor in headless Chromium: PNG, PDF and PPTX
(drawn in the browser, assembled by the server) and the HTML page (assembled by the server, drawn in the
browser), in the default and the dark theme, each file opened and checked for a real chart.

One browser page goes through all the charts, so the 27 types cost one session, not 27.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import CHART_DATA, CHART_TYPES, MARKS
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

pytestmark = pytest.mark.browser

MONTHS = (CHART_DATA / "months_cities.csv").read_bytes()
COUNTRIES = (CHART_DATA / "countries_change.csv").read_bytes()
STATES = b"state,value\nCA,39\nTX,30\nNY,19.6\nFL,22.6\nWA,7.8\nIL,12.5\n"
# One representative dataset per type (what a user would draw it with) and its mapping.
DATA: dict[str, tuple[bytes, dict[str, Any]]] = {
    "choropleth-world": (COUNTRIES, {"x": "iso3", "y": "change"}),
    "choropleth-us": (STATES, {"x": "state", "y": "value"}),
    "symbol-map": (COUNTRIES, {"x": "country", "y": "population"}),
    "slope": (COUNTRIES, {"x": "country", "y": "change", "y2": "population"}),
    "bubble": (COUNTRIES, {"x": "change", "y": "population", "size": "population"}),
    "scatter": (COUNTRIES, {"x": "change", "y": "population"}),
    # Negative changes: the figure says it leaves them out, and so must every export.
    "pie": (COUNTRIES, {"x": "country", "y": "change"}),
    "donut": (COUNTRIES, {"x": "country", "y": "change"}),
}
DEFAULT_DATA = (MONTHS, {"x": "month", "y": "Berlin"})
FIGURE_JS = """() => {
  const fig = document.querySelector('[data-testid=chart-preview] .sa-figure');
  const box = fig.getBoundingClientRect();
  const title = fig.querySelector('.sa-title').getBoundingClientRect();
  return { width: Math.ceil(box.width), height: Math.ceil(box.height), title: title.bottom - box.top };
}"""


@pytest.fixture(scope="module")
def editor(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """One page for every chart of the module: exports are downloads, console errors are collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    yield page
    context.close()


def _chart(app_url: str, chart_type: str, theme: str = "default") -> tuple[str, str]:
    data, mapping = DATA.get(chart_type, DEFAULT_DATA)
    title = f"{chart_type} export"
    config = {"mapping": mapping, "source": "Test data"}
    with httpx.Client(base_url=app_url, timeout=30) as client:
        created = client.post(
            "/api/charts",
            json={"title": title, "chart_type": chart_type, "theme_id": theme, "config": config},
        )
        created.raise_for_status()
        chart_id = str(created.json()["id"])
        client.put(
            f"/api/charts/{chart_id}/data", content=data, headers={"Content-Type": "text/csv"}
        ).raise_for_status()
    return chart_id, title


def _download(page, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        page.get_by_test_id(f"export-{fmt}").click()
    return Path(download.value.path()).read_bytes()


def _check_png(png: bytes, figure: dict[str, Any], dark: bool, where: str) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (figure["width"] * 2, figure["height"] * 2), f"{where}: PNG size {image.size}"
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 8, f"{where}: the PNG is blank"
    assert len(image.getcolors(1 << 20) or []) > 20, f"{where}: the PNG has almost no colours"
    corner = sum(image.getpixel((2, 2))) / 3
    assert (corner < 90) if dark else (corner > 200), f"{where}: background {image.getpixel((2, 2))}"


def _check_pdf(pdf: bytes, title: str, figure: dict[str, Any], where: str, notes: list[str]) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1, f"{where}: {len(reader.pages)} pages"
    page = reader.pages[0]
    size = (float(page.mediabox.width), float(page.mediabox.height))
    assert size == (figure["width"], figure["height"]), f"{where}: page {size}"
    resources = page["/Resources"]
    assert "/XObject" not in resources, f"{where}: the PDF holds an image, not vector marks"
    runs: list[str] = []
    page.extract_text(visitor_text=lambda text, *_: text.strip() and runs.append(text.strip()))
    assert runs.count(title) == 1, f"{where}: title drawn {runs.count(title)} times"
    assert len(runs) > 2, f"{where}: no labels drawn as text: {runs}"
    text = " ".join(runs)
    for note in notes:  # "Left out 7 negative values...": said in the PDF as on screen
        assert note in text, f"{where}: the note {note!r} is missing"
    content = page.get_contents().get_data()  # type: ignore[union-attr]
    rects = [
        [float(n) for n in rect]
        for rect in re.findall(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re", content)
    ]
    assert any(w >= size[0] - 1 and h >= size[1] - 1 for _, _, w, h in rects), f"{where}: no page background"
    ops = re.findall(rb"(?m)(?<=\s)(re|l|c|h)\s", content)
    assert len(ops) > 5, f"{where}: no vector paths ({len(ops)} path operators)"


def _check_pptx(pptx: bytes, title: str, figure: dict[str, Any], where: str) -> None:
    deck = Presentation(io.BytesIO(pptx))
    assert len(deck.slides) == 1, f"{where}: {len(deck.slides)} slides"
    shapes = list(deck.slides[0].shapes)
    titles = [s for s in shapes if s.has_text_frame and s.text_frame.text == title]
    assert len(titles) == 1 and titles[0].width > 0 and titles[0].height > 0, f"{where}: no title box"
    pictures = [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1, f"{where}: {len(pictures)} pictures"
    picture = Image.open(io.BytesIO(pictures[0].image.blob))
    assert picture.width == figure["width"] * 2, f"{where}: picture width {picture.width}"
    # The picture starts below the title: drawn without the header the slide shows as text.
    assert picture.height <= (figure["height"] - figure["title"]) * 2, f"{where}: picture has the title"
    assert ImageStat.Stat(picture.convert("L")).stddev[0] > 8, f"{where}: the slide's picture is blank"
    assert all(shape.width > 0 and shape.height > 0 for shape in shapes), f"{where}: a zero-size shape"


def _check_html(page, app_url: str, chart_id: str, chart_type: str, folder: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{app_url}/api/charts/{chart_id}/export/html", timeout=30)
    response.raise_for_status()
    path = folder / f"{chart_id}.html"
    path.write_bytes(response.content)
    viewer = page.context.new_page()
    errors: list[str] = []
    viewer.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        viewer.goto(path.as_uri())
        viewer.locator("body[data-state=ready]").wait_for()
        viewer.locator(".sa-map-loading").wait_for(state="detached")
        drawn = viewer.locator(f".sa-chart[data-chart-type='{chart_type}']")
        assert viewer.locator(".sa-chart-error").count() == 0, f"{where}: {viewer.inner_text('body')}"
        assert drawn.locator(MARKS).count() > 0, f"{where}: the HTML export drew no marks"
        marks = drawn.locator(".sa-mark")
        if marks.count():  # tooltips and keyboard focus work in the exported page too
            marks.first.focus()
            assert viewer.locator(".sa-tooltip").inner_text().strip(), f"{where}: no tooltip on focus"
        assert errors == [], f"{where}: {errors}"
    finally:
        viewer.close()


@pytest.mark.parametrize("chart_type", CHART_TYPES)
def test_every_type_exports_to_png_pdf_pptx_and_html_in_light_and_dark(  # type: ignore[no-untyped-def]
    editor, app_url: str, tmp_path: Path, chart_type: str
) -> None:
    chart_id, title = _chart(app_url, chart_type)
    editor.goto(f"{app_url}/charts/{chart_id}")
    preview = editor.get_by_test_id("chart-preview")
    for theme in ("default", "dark"):
        where = f"{chart_type} ({theme})"
        if theme != "default":  # as a user does: pick the theme; the export saves the chart first
            editor.get_by_test_id("theme-select").select_option(theme)
            preview.locator(f".sa-figure[data-theme='{theme}']").wait_for(state="attached")
        preview.locator(MARKS).first.wait_for(state="attached")  # the data has arrived and the chart is drawn
        assert preview.locator(".sa-chart-error").count() == 0, f"{where}: {preview.inner_text()}"
        figure = editor.evaluate(FIGURE_JS)
        _check_png(_download(editor, "png"), figure, theme == "dark", f"{where} PNG")
        notes = preview.locator(".sa-note").all_text_contents()
        assert notes or chart_type not in ("pie", "donut"), f"{where}: negatives left out without a word"
        _check_pdf(_download(editor, "pdf"), title, figure, f"{where} PDF", notes)
        if theme == "default":  # the slide's picture is drawn as the PNG is, checked above in both themes
            _check_pptx(_download(editor, "pptx"), title, figure, f"{where} PPTX")
        _check_html(editor, app_url, chart_id, chart_type, tmp_path, f"{where} HTML")
    assert editor.errors == [], f"{chart_type}: errors in the editor {editor.errors}"


SCREEN_TEXT_JS = """(labels) => {
  const fig = document.querySelector('[data-testid=chart-preview] .sa-figure');
  const box = fig.getBoundingClientRect();
  const out = {};
  for (const t of fig.querySelectorAll('.sa-chart svg text')) {
    const text = t.textContent.trim();
    if (!labels.includes(text) || out[text]) continue;
    const r = t.getBoundingClientRect();
    const s = t.getStartPositionOfChar(0);
    const base = new DOMPoint(s.x, s.y).matrixTransform(t.getScreenCTM());
    out[text] = { left: r.left - box.left, right: r.right - box.left, baseline: base.y - box.top,
      anchor: getComputedStyle(t).textAnchor, size: parseFloat(getComputedStyle(t).fontSize) };
  }
  for (const el of fig.querySelectorAll('.sa-title, .sa-footer, [class$="-swatch"]')) {
    const text = el.textContent.trim();
    if (!labels.includes(text) || out[text]) continue;
    const node = [...el.childNodes].find((n) => n.nodeType === 3 && n.data.trim());
    // A zero-size inline block after the text, in one inline box with it: its bottom is the baseline.
    const wrap = document.createElement('span');
    const probe = document.createElement('span');
    probe.style.cssText = 'display:inline-block;width:0;height:0;vertical-align:baseline';
    node.replaceWith(wrap);
    wrap.append(node, probe);
    const baseline = probe.getBoundingClientRect().bottom - box.top;
    wrap.replaceWith(node);
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    out[text] = { left: r.left - box.left, right: r.right - box.left, baseline, anchor: 'start',
      size: parseFloat(getComputedStyle(el).fontSize) };
  }
  return out;
}"""


def _pdf_text_runs(pdf: bytes) -> dict[str, dict[str, float]]:
    """Each text run of the PDF's one page: start x, baseline y (from the top), font size, width."""
    from fpdf import FPDF

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    meter = FPDF(unit="pt")
    runs: dict[str, dict[str, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.strip()
        if not text or text in runs:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        bold = "Bold" in str(font.get("/BaseFont", "")) if font else False
        meter.set_font("helvetica", "B" if bold else "", size)
        runs[text] = {"x": x, "baseline": height - y, "size": size, "width": meter.get_string_width(text)}

    page.extract_text(visitor_text=visit)
    return runs


def test_pdf_places_titles_ticks_and_legends_where_the_screen_does(editor, app_url: str) -> None:  # type: ignore[no-untyped-def]
    chart_id, title = _chart(app_url, "multi-line", "default")
    editor.goto(f"{app_url}/charts/{chart_id}")
    editor.get_by_test_id("chart-preview").locator(MARKS).first.wait_for(state="attached")
    labels = [title, "Source: Test data", "Madrid", "Jan", "Jul", "Dec", "10", "-5"]
    # The screen's minus sign is spelled "-" in the PDF (its core fonts are Latin-1).
    on_screen_as = {label: re.sub(r"^-", "\u2212", label) for label in labels}
    screen = editor.evaluate(SCREEN_TEXT_JS, list(on_screen_as.values()))
    runs = _pdf_text_runs(_download(editor, "pdf"))
    for label in labels:
        seen = screen[on_screen_as[label]]
        drawn = runs[label]
        # The PDF's font (Helvetica) is not the screen's: compare the point each text is anchored at.
        share = {"start": 0.0, "middle": 0.5, "end": 1.0}[seen["anchor"]]
        on_screen = seen["left"] + (seen["right"] - seen["left"]) * share
        in_pdf = drawn["x"] + drawn["width"] * share
        assert abs(in_pdf - on_screen) <= 2, (
            f"{label!r}: x {in_pdf:.1f} in the PDF, {on_screen:.1f} on screen"
        )
        assert abs(drawn["baseline"] - seen["baseline"]) <= 1.5, (
            f"{label!r}: baseline {drawn['baseline']:.1f} in the PDF, {seen['baseline']:.1f} on screen"
        )
        assert abs(drawn["size"] - seen["size"]) <= 0.5, f"{label!r}: {drawn['size']} pt vs {seen['size']} px"
