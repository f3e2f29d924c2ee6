"""The editor's chart controls and its promise that nothing is lost, in headless Chromium on the real app."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

MONTHS = (Path(__file__).resolve().parents[1] / "data" / "charts" / "months_cities.csv").read_text()


def _chart(app_url: str, title: str, chart_type: str = "column") -> str:
    with httpx.Client(base_url=app_url, timeout=10) as client:
        chart_id = str(
            client.post("/api/charts", json={"title": title, "chart_type": chart_type}).json()["id"]
        )
        client.put(
            f"/api/charts/{chart_id}/data", content=MONTHS, headers={"Content-Type": "text/csv"}
        ).raise_for_status()
    return chart_id


def _titles(app_url: str) -> list[str]:
    charts = httpx.get(f"{app_url}/api/charts", timeout=10).json()
    items = charts["items"] if isinstance(charts, dict) else charts
    return [c["title"] for c in items]


def test_options_reach_the_preview_and_the_published_embed(
    page, app_url: str, shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    chart_id = _chart(app_url, "Temperatures")
    page.goto(f"{app_url}/charts/{chart_id}")
    preview = page.get_by_test_id("chart-preview")
    preview.locator("svg rect").first.wait_for()
    page.get_by_test_id("map-x").select_option("month")
    page.get_by_test_id("map-y").select_option("Madrid")
    page.get_by_test_id("opt-value-labels").select_option("outside")
    page.get_by_test_id("opt-suffix").fill(" °C")
    page.get_by_test_id("opt-alt").fill("Madrid is warmest in July")
    page.get_by_test_id("opt-add-note").click()
    page.get_by_test_id("opt-note-x-0").fill("Jul")
    page.get_by_test_id("opt-note-y-0").fill("30")
    page.get_by_test_id("opt-note-text-0").fill("Heat wave")
    labels = preview.locator('g[aria-label="text"] text').evaluate_all("ts => ts.map(t => t.textContent)")
    assert "26 °C" in labels and "24.7 °C" in labels
    assert "Heat wave" in preview.inner_text()
    assert preview.locator("svg").first.get_attribute("aria-label") == "Madrid is warmest in July"
    preview.locator(".sa-mark").first.focus()
    assert preview.locator(".sa-tooltip").inner_text() == "Jan: 6 °C"
    shot("options-in-preview")

    page.get_by_test_id("publish").click()
    public_url = page.get_by_test_id("public-url").input_value()
    page.get_by_test_id("close-dialog").click()
    page.goto(public_url)
    page.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
    assert page.locator(".sa-alt").inner_text() == "Madrid is warmest in July"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Jan: 6 °C"
    assert page.locator(".sa-tooltip").inner_text() == "Jan: 6 °C"
    shot("embed-keyboard-tooltip")


def test_series_colours_and_highlight(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    chart_id = _chart(app_url, "Cities", "multi-line")
    page.goto(f"{app_url}/charts/{chart_id}")
    preview = page.get_by_test_id("chart-preview")
    preview.locator('g[aria-label="line"] path').first.wait_for()
    page.get_by_test_id("opt-color-Oslo").fill("#123456")
    strokes = preview.locator('g[aria-label="line"] path').evaluate_all(
        "ps => ps.map(p => p.getAttribute('stroke'))"
    )
    assert "#123456" in strokes
    page.get_by_test_id("opt-highlight").select_option("Madrid")
    strokes = preview.locator('g[aria-label="line"] path').evaluate_all(
        "ps => ps.map(p => p.getAttribute('stroke'))"
    )
    assert len(set(strokes)) == 2


def test_published_chart_older_than_the_saved_one_says_so(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    chart_id = _chart(app_url, "Stale check")
    page.goto(f"{app_url}/charts/{chart_id}")
    page.get_by_test_id("chart-preview").locator("svg rect").first.wait_for()
    page.get_by_test_id("publish").click()
    page.get_by_test_id("close-dialog").click()
    assert page.get_by_test_id("publish-stale").count() == 0
    page.get_by_test_id("chart-title").fill("Stale check, edited")
    page.get_by_test_id("save").click()
    page.get_by_test_id("publish-stale").wait_for()
    page.get_by_test_id("history").click()
    assert "Title" in page.get_by_test_id("version-row").first.inner_text()


def test_leaving_saves_edits_and_drops_an_untouched_new_chart(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    page.get_by_test_id("new-chart").click()
    page.get_by_test_id("editor").wait_for()
    untouched = page.url.rstrip("/").split("/")[-1]
    page.get_by_test_id("back-to-charts").click()
    page.get_by_test_id("new-chart").wait_for()
    assert httpx.get(f"{app_url}/api/charts/{untouched}", timeout=10).status_code == 404

    chart_id = _chart(app_url, "Kept")
    page.goto(f"{app_url}/charts/{chart_id}")
    page.get_by_test_id("chart-title").fill("Kept and renamed")
    page.get_by_test_id("back-to-charts").click()
    page.get_by_test_id("new-chart").wait_for()
    assert httpx.get(f"{app_url}/api/charts/{chart_id}", timeout=10).json()["title"] == "Kept and renamed"
    page.locator("[data-testid=chart-row]", has_text="Kept and renamed").get_by_test_id(
        "chart-thumb"
    ).wait_for()


def test_top_menu_fits_a_phone(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_test_id("nav-settings").wait_for()
    for item in ("nav-charts", "nav-dashboards", "nav-themes", "nav-settings"):
        box = page.get_by_test_id(item).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, item
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_editor_shows_how_the_data_was_read_and_lets_the_user_change_it(
    page, app_url: str, shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=app_url, timeout=10) as client:
        chart_id = str(
            client.post("/api/charts", json={"title": "Umsatz", "chart_type": "column"}).json()["id"]
        )
        client.put(
            f"/api/charts/{chart_id}/data",
            content=b"datum;umsatz;notiz\n03/04/2024;1.234,5;a\n05/06/2024;2,5;b\n",
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
    page.goto(f"{app_url}/charts/{chart_id}")
    preview = page.get_by_test_id("data-preview")
    preview.wait_for()
    assert page.get_by_test_id("data-locale").input_value() == ","
    page.get_by_test_id("date-ambiguous").wait_for()
    assert "1234.5" in preview.inner_text()
    page.get_by_test_id("data-date-order").select_option("dmy")
    page.get_by_test_id("date-ambiguous").wait_for(state="detached")
    assert "2024-04-03" in preview.inner_text()
    page.get_by_test_id("column-type-select-notiz").select_option("number")
    problem = page.get_by_test_id("data-problem-notiz")
    problem.wait_for()
    assert "rows 1, 2" in problem.inner_text()
    assert "2024-04-03" in preview.inner_text()  # the day/month choice was kept
    shot("data-format")


@pytest.mark.parametrize("chart_type", ["multi-line", "column", "pie"])
def test_pdf_export_has_vector_marks_and_one_title(page, app_url: str, chart_type: str) -> None:  # type: ignore[no-untyped-def]
    chart_id = _chart(app_url, "Printed sharp", chart_type)
    page.goto(f"{app_url}/charts/{chart_id}")
    page.get_by_test_id("chart-preview").locator("svg").first.wait_for()
    with page.expect_download() as download:
        page.get_by_test_id("export-pdf").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
    drawn = b"".join(
        zlib.decompress(stream) for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    )
    assert drawn.count(b"(Printed sharp)") == 1  # the heading, drawn once, as text
    assert b" l" in drawn or b" c" in drawn  # marks as vector paths


def test_settings_speak_in_words_not_field_names(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/settings")
    origins = page.get_by_test_id("setting-default_embed_origins")
    origins.wait_for()
    assert "Sites that may embed charts" in origins.inner_text()
    text = page.locator("main, .page").first.inner_text()
    assert "default_embed_origins" not in text and "allow_public_embeds" not in text


def test_browser_back_drops_an_untouched_new_chart_and_keeps_edits(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    page.get_by_test_id("new-chart").click()
    page.get_by_test_id("editor").wait_for()
    untouched = page.url.rstrip("/").split("/")[-1]
    page.go_back()
    page.get_by_test_id("new-chart").wait_for()
    page.wait_for_function(
        "id => fetch(`/api/charts/${id}`).then((r) => r.status === 404)", arg=untouched, timeout=10_000
    )

    chart_id = _chart(app_url, "Edited then left")
    page.goto(f"{app_url}/charts/{chart_id}")
    page.get_by_test_id("chart-preview").locator("svg").first.wait_for()
    page.get_by_test_id("nav-dashboards").click()
    page.wait_for_function(
        "id => fetch(`/api/charts/${id}`).then((r) => r.json()).then((c) => c.version === 1)",
        arg=chart_id,
        timeout=10_000,
    )  # nothing changed, nothing saved
    page.goto(f"{app_url}/charts/{chart_id}")
    page.get_by_test_id("chart-title").fill("Edited, then left by the menu")
    page.get_by_test_id("nav-dashboards").click()
    page.wait_for_function(
        "id => fetch(`/api/charts/${id}`).then((r) => r.json()).then((c) => c.title.endsWith('by the menu'))",
        arg=chart_id,
        timeout=10_000,
    )


MONTHS_JS = """(locale) => [...Array(12).keys()].map((m) =>
  new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' })
    .format(new Date(Date.UTC(2023, m, 1))))"""


def test_tick_labels_follow_the_sites_language_then_the_charts_own(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    daily = (Path(__file__).resolve().parents[1] / "data" / "charts" / "daily_365.csv").read_text()
    httpx.put(f"{app_url}/api/settings", json={"locale": "de-DE"}, timeout=10).raise_for_status()
    try:
        with httpx.Client(base_url=app_url, timeout=10) as client:
            config = {"mapping": {"x": "date", "y": "visitors"}}
            created = client.post(
                "/api/charts", json={"title": "Besuche", "chart_type": "line", "config": config}
            )
            chart_id = str(created.json()["id"])
            client.put(
                f"/api/charts/{chart_id}/data", content=daily, headers={"Content-Type": "text/csv"}
            ).raise_for_status()
        german = set(page.evaluate(MONTHS_JS, "de-DE")) - set(page.evaluate(MONTHS_JS, "en-US"))
        page.goto(f"{app_url}/charts/{chart_id}")
        preview = page.get_by_test_id("chart-preview")
        preview.locator('g[aria-label="line"] path').first.wait_for()
        values = preview.locator('g[aria-label="y-axis tick label"] text').all_text_contents()
        times = preview.locator('g[aria-label="x-axis tick label"] text').all_text_contents()
        assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", v) for v in values), values
        assert german & set(times) and not {"May", "Oct", "Dec"} & set(times), times

        page.get_by_test_id("publish").click()
        public_url = page.get_by_test_id("public-url").input_value()
        page.get_by_test_id("close-dialog").click()
        embed = page.context.new_page()
        embed.goto(public_url)
        embed.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
        embedded = embed.locator('g[aria-label="y-axis tick label"] text').all_text_contents()
        assert embedded == values
        embed.close()

        page.get_by_test_id("opt-locale").select_option("en-US")
        values = preview.locator('g[aria-label="y-axis tick label"] text').all_text_contents()
        assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", v) for v in values), values
    finally:
        httpx.put(f"{app_url}/api/settings", json={"locale": "en-US"}, timeout=10).raise_for_status()
