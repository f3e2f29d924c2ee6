"""End to end in headless Chromium against the real app: make a chart, try every type, publish, embed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from e2e_support import running_app, static_server

pytestmark = pytest.mark.browser

CHART_TYPES = [
    "bar", "stacked-bar", "grouped-bar", "column", "stacked-column", "grouped-column", "line",
    "multi-line", "area", "stacked-area", "scatter", "bubble", "dot-plot", "range-plot", "arrow-plot",
    "pie", "donut", "histogram", "heatmap", "table",
]  # fmt: skip
CSV = (
    "country,year,sales,profit\n"
    "France,2020,120,30\nGermany,2021,150,42\nItaly,2022,90,12\nSpain,2023,110,25\n"
)
MARKS = "svg rect, svg path, svg circle, svg line, td"


def _marks_in(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(selector).locator(MARKS).count())


def test_new_user_makes_publishes_and_embeds_a_chart(
    page, app_url: str, shot: Callable[..., Path], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    page.get_by_test_id("new-chart").wait_for()
    shot("library")

    page.get_by_test_id("new-chart").click()
    page.get_by_test_id("editor").wait_for()
    chart_id = page.url.rstrip("/").split("/")[-1]
    page.get_by_test_id("csv-input").fill(CSV)
    page.get_by_test_id("upload-csv").click()
    page.get_by_test_id("data-preview").wait_for()
    assert page.get_by_test_id("column-type-sales").inner_text() == "number"
    assert page.get_by_test_id("column-type-country").inner_text() == "string"
    page.get_by_test_id("chart-title").fill("Sales by country")
    page.locator("[data-testid=chart-preview] svg rect").first.wait_for()
    assert _marks_in(page, "[data-testid=chart-preview]") > 0
    shot("data-and-first-chart")

    for chart_type in CHART_TYPES:
        page.get_by_test_id(f"type-{chart_type}").click()
        drawn = page.locator(f"[data-testid=chart-preview] .sa-chart[data-chart-type='{chart_type}']")
        drawn.wait_for()
        assert drawn.locator(MARKS).count() > 0, f"{chart_type} drew no marks"
        assert page.locator("[data-testid=chart-preview] .sa-chart-error").count() == 0, chart_type
        shot(f"type-{chart_type}", page.get_by_test_id("chart-preview"))

    page.get_by_test_id("type-column").click()
    page.get_by_test_id("publish").click()
    dialog = page.get_by_test_id("publish-dialog")
    dialog.wait_for()
    public_url = page.get_by_test_id("public-url").input_value()
    assert "/embed/" in public_url
    assert "<iframe" in page.get_by_test_id("embed-code").input_value()
    shot("published")

    code = httpx.get(f"{app_url}/api/charts/{chart_id}/embed-code", timeout=10).json()
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Host</title></head>"
        "<body style='margin:20px;font-family:sans-serif'><h1>A page on another site</h1>"
        f"<div style='width:720px'>{code['html']}</div><p>After the chart.</p></body></html>"
    )
    with static_server(tmp_path) as host_url:
        assert host_url.split(":")[-1] != app_url.split(":")[-1]
        page.goto(f"{host_url}/index.html")
        frame_el = page.locator("iframe[data-story-analytics-id]")
        frame_el.wait_for()
        frame = frame_el.content_frame
        frame.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
        chart_height = frame.locator("#chart").evaluate("el => el.getBoundingClientRect().height")
        page.wait_for_function(
            "h => Math.abs(document.querySelector('iframe[data-story-analytics-id]')"
            ".getBoundingClientRect().height - h) <= 3",
            arg=chart_height,
        )
        iframe_height = frame_el.evaluate("el => el.getBoundingClientRect().height")
        assert abs(iframe_height - chart_height) <= 3
        assert iframe_height != 420  # the default height in the embed code was replaced
        shot("embedded-on-other-origin")

        page.evaluate("() => { document.querySelector('div').style.width = '360px'; }")
        frame.locator(".sa-chart svg").last.wait_for()
        page.wait_for_function(
            "h => Math.abs(document.querySelector('iframe[data-story-analytics-id]')"
            ".getBoundingClientRect().height - h) > 3",
            arg=iframe_height,
        )  # a narrower chart is shorter (its height follows its width); the frame follows
        frame_box = frame_el.evaluate("el => el.getBoundingClientRect().toJSON()")
        chart_box = frame.locator("#chart").evaluate("el => el.getBoundingClientRect().toJSON()")
        assert frame_box["width"] <= 360
        assert abs(frame_box["height"] - chart_box["height"]) <= 3
        shot("embedded-narrow")


def _chart_with_data(app_url: str, title: str = "Exports") -> str:
    with httpx.Client(base_url=app_url, timeout=10) as client:
        created = client.post("/api/charts", json={"title": title, "chart_type": "column"})
        chart_id = str(created.json()["id"])
        client.put(
            f"/api/charts/{chart_id}/data", content=CSV, headers={"Content-Type": "text/csv"}
        ).raise_for_status()
    return chart_id


def test_editor_saves_versions_exports_and_reports_conflicts(
    page, app_url: str, shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    chart_id = _chart_with_data(app_url)
    page.goto(f"{app_url}/charts/{chart_id}")
    page.locator("[data-testid=chart-preview] svg rect").first.wait_for()
    page.get_by_test_id("csv-input").fill("a,b\n1,2,3\n")
    page.get_by_test_id("upload-csv").click()
    assert "Line 2" in page.get_by_test_id("error").inner_text()  # the API's detail, word for word
    shot("malformed-csv-message")
    page.get_by_test_id("chart-title").fill("Second title")
    page.get_by_test_id("save").click()
    page.get_by_text("· saved").wait_for()
    page.get_by_test_id("history").click()
    page.get_by_test_id("version-row").first.wait_for()
    shot("saved-with-history")

    with page.expect_download() as png:
        page.get_by_test_id("export-png").click()
    assert png.value.suggested_filename == "second-title.png"
    snapshot = httpx.get(f"{app_url}/api/charts/{chart_id}/snapshot", timeout=10)
    assert snapshot.status_code == 200
    assert snapshot.content.startswith(b"\x89PNG")
    with page.expect_download() as pdf:
        page.get_by_test_id("export-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    shot("exported")

    current = httpx.get(f"{app_url}/api/charts/{chart_id}", timeout=10).json()
    httpx.patch(
        f"{app_url}/api/charts/{chart_id}",
        json={"version": current["version"], "title": "Changed elsewhere"},
        timeout=10,
    ).raise_for_status()
    page.get_by_test_id("chart-title").fill("My edit")
    page.get_by_test_id("save").click()
    page.get_by_test_id("reload-latest").wait_for()
    assert page.get_by_test_id("error").inner_text().strip()
    shot("conflict")
    page.get_by_test_id("reload-latest").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=chart-title]').value === 'Changed elsewhere'"
    )
    shot("reloaded")


def test_login_session_survives_reload_and_logout_returns_to_login(
    page, tmp_path: Path, shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    admin = {"ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "correct horse battery"}
    env = {"AUTH_ENABLED": "true", "JWT_SECRET": "e2e-" + "s" * 40, **admin}
    with running_app(tmp_path, tmp_path / "server.log", **env) as url:
        page.goto(url)
        page.get_by_test_id("login-form").wait_for()
        page.get_by_test_id("login-email").fill("admin@example.com")
        page.get_by_test_id("login-password").fill("wrong password")
        page.get_by_test_id("login-submit").click()
        assert page.get_by_test_id("error").inner_text().strip()
        shot("wrong-password")
        page.get_by_test_id("login-password").fill(admin["ADMIN_PASSWORD"])
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("current-user").wait_for()
        page.get_by_test_id("new-chart").wait_for()
        shot("logged-in")
        page.reload()
        page.get_by_test_id("current-user").wait_for()
        page.get_by_test_id("nav-admin").click()
        page.get_by_test_id("users").wait_for()
        shot("admin-users")
        page.get_by_test_id("logout").click()
        page.get_by_test_id("login-form").wait_for()
        shot("logged-out")


def test_dashboard_arranges_charts_and_publishes(page, app_url: str, shot: Callable[..., Path]) -> None:  # type: ignore[no-untyped-def]
    first, second = _chart_with_data(app_url, "First chart"), _chart_with_data(app_url, "Second chart")
    page.goto(f"{app_url}/dashboards")
    page.get_by_test_id("dashboard-title-new").fill("Board")
    page.get_by_test_id("new-dashboard").click()
    page.get_by_test_id("dashboard-editor").wait_for()
    for chart_id in (first, second):
        page.get_by_test_id("dashboard-add-select").select_option(chart_id)
        page.get_by_test_id("dashboard-add").click()
    tiles = page.get_by_test_id("dashboard-tile")
    assert tiles.count() == 2
    tiles.nth(0).get_by_label("Width").select_option("12")
    tiles.nth(1).get_by_label("Move earlier").click()
    page.locator("[data-testid=dashboard-tile] .sa-chart svg").nth(1).wait_for()
    assert tiles.nth(0).locator(".sa-title").inner_text() == "Second chart"
    shot("arranged")
    page.get_by_test_id("dashboard-save").click()
    page.get_by_text("saved", exact=True).wait_for()
    saved = httpx.get(f"{app_url}/api/dashboards", timeout=10).json()[0]["layout"]
    assert [(item["chart_id"], item["width"]) for item in saved] == [(second, 6), (first, 12)]
    page.get_by_test_id("dashboard-publish").click()
    page.get_by_test_id("publish-dialog").wait_for()
    public_url = page.get_by_test_id("public-url").input_value()
    shot("published")
    page.goto(public_url)
    page.locator("body[data-state=ready]").wait_for()
    assert page.locator(".sa-chart svg").count() >= 2
    shot("public-dashboard")


def test_dashboard_with_a_deleted_chart_shows_the_dead_tile_removes_it_and_saves(
    page, app_url: str, shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    kept, deleted = _chart_with_data(app_url, "Kept chart"), _chart_with_data(app_url, "Deleted chart")
    layout = [{"chart_id": chart_id, "width": 6, "height": 360} for chart_id in (kept, deleted)]
    with httpx.Client(base_url=app_url, timeout=10) as client:
        board = client.post("/api/dashboards", json={"title": "Dead tile", "layout": layout}).json()
        assert client.delete(f"/api/charts/{deleted}").status_code == 204
    page.goto(f"{app_url}/dashboards/{board['id']}")
    dead = page.get_by_test_id("dashboard-dead-tile")
    dead.wait_for()
    assert "This chart was deleted" in dead.inner_text()
    page.locator("[data-testid=dashboard-tile] .sa-chart svg").first.wait_for()  # the live tile draws
    shot("dead-tile")
    dead.get_by_test_id("dashboard-dead-tile-remove").click()
    assert page.get_by_test_id("dashboard-tile").count() == 1
    page.get_by_test_id("dashboard-save").click()
    page.get_by_text("saved", exact=True).wait_for()
    saved = httpx.get(f"{app_url}/api/dashboards/{board['id']}", timeout=10).json()
    assert [item["chart_id"] for item in saved["layout"]] == [kept]


def test_library_searches_and_files_charts_in_folders(page, app_url: str, shot: Callable[..., Path]) -> None:  # type: ignore[no-untyped-def]
    _chart_with_data(app_url, "Rainfall in Lisbon")
    _chart_with_data(app_url, "Unemployment rate")
    page.goto(app_url)
    page.get_by_test_id("search").fill("rainfall")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=chart-row]').length === 1")
    assert "Rainfall in Lisbon" in page.get_by_test_id("chart-list").inner_text()
    shot("search")
    page.get_by_test_id("search").fill("")
    page.get_by_test_id("new-folder-name").fill("Weather")
    page.get_by_test_id("new-folder").click()
    page.get_by_test_id("folders").get_by_text("Weather").wait_for()
    row = page.get_by_test_id("chart-row").filter(has_text="Rainfall in Lisbon")
    row.get_by_label("Folder").select_option(label="Weather")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=chart-row] select')]"
        ".some(s => s.selectedOptions[0].text === 'Weather')"
    )
    page.get_by_test_id("folders").get_by_text("Weather").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=chart-row]').length === 1")
    assert "Rainfall in Lisbon" in page.get_by_test_id("chart-list").inner_text()
    shot("folder")
