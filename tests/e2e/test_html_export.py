"""The HTML export opened from disk, offline, in headless Chromium: drawn by the inlined embed bundle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

CSV = (
    "country,year,sales\n"
    "France,2020,120\nFrance,2021,130\nGermany,2020,150\nGermany,2021,90\n"
    "Italy,2020,90\nItaly,2021,60\nSpain,2020,110\nSpain,2021,140\n"
)
# Types the former server-side SVG export could not draw.
CHARTS = {
    "histogram": {"mapping": {"x": "sales"}},
    "heatmap": {"mapping": {"x": "country", "y": "sales", "color": "year"}},
}
MARKS = "svg rect, svg path, svg circle, svg line"
# Records what the page's Content-Security-Policy refused (set before the page's own scripts run).
VIOLATIONS_JS = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));"""


def _export(app_url: str, chart_type: str, config: dict[str, Any], folder: Path) -> Path:
    with httpx.Client(base_url=app_url, timeout=30) as client:
        created = client.post(
            "/api/charts", json={"title": f"Offline {chart_type}", "chart_type": chart_type, "config": config}
        )
        created.raise_for_status()
        chart_id = created.json()["id"]
        client.put(
            f"/api/charts/{chart_id}/data", content=CSV, headers={"Content-Type": "text/csv"}
        ).raise_for_status()
        response = client.get(f"/api/charts/{chart_id}/export/html")
    response.raise_for_status()
    path = folder / f"{chart_type}.html"
    path.write_bytes(response.content)
    return path


@pytest.mark.parametrize("chart_type", sorted(CHARTS))
def test_exported_page_draws_the_chart_from_a_file_with_no_network(
    page, app_url: str, tmp_path: Path, shot: Callable[..., Path], chart_type: str
) -> None:  # type: ignore[no-untyped-def]
    exported = _export(app_url, chart_type, CHARTS[chart_type], tmp_path)
    requested: list[str] = []

    def offline(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    page.route("**/*", offline)
    page.add_init_script(VIOLATIONS_JS)
    page.goto(exported.as_uri())
    drawn = page.locator(f".sa-chart[data-chart-type='{chart_type}']")
    drawn.locator("svg").first.wait_for()
    assert page.locator("body[data-state=ready]").count() == 1
    assert drawn.locator(MARKS).count() > 0, f"{chart_type} drew no marks"
    assert page.locator(".sa-chart-error").count() == 0
    assert page.title() == f"Offline {chart_type} · Story Analytics"
    assert requested == []
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert policy is not None and "default-src 'none'" in policy
    assert page.evaluate("window.cspViolations") == []  # drawn with the policy on, nothing refused
    shot(f"exported-{chart_type}")
