"""Accessibility of the app and a published embed, checked in Chromium with axe-core (the engine behind
Lighthouse's accessibility score) on the WCAG 2 A and AA rules."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from e2e_support import WEB

pytestmark = pytest.mark.browser

AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
MONTHS = (Path(__file__).resolve().parents[1] / "data" / "charts" / "months_cities.csv").read_bytes()
RUN_AXE = """async () => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } });
  return result.violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`,
  );
}"""


@pytest.fixture(scope="module")
def published(app_url: str) -> tuple[str, str]:
    with httpx.Client(base_url=app_url, timeout=10) as client:
        chart_id = client.post(
            "/api/charts", json={"title": "Temperatures", "chart_type": "multi-line"}
        ).json()["id"]
        client.put(f"/api/charts/{chart_id}/data", content=MONTHS, headers={"Content-Type": "text/csv"})
        public_id = client.post(f"/api/charts/{chart_id}/publish").json()["public_id"]
    return str(chart_id), str(public_id)


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A page that may load axe-core although the app's Content-Security-Policy forbids inline scripts."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(RUN_AXE))


def test_library_has_no_accessibility_violations(page, app_url: str, published: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    page.get_by_test_id("chart-row").first.wait_for()
    assert _violations(page) == []


def test_editor_with_a_chart_has_no_accessibility_violations(  # type: ignore[no-untyped-def]
    page, app_url: str, published: tuple[str, str]
) -> None:
    page.goto(f"{app_url}/charts/{published[0]}")
    page.get_by_test_id("chart-preview").locator("svg").first.wait_for()
    assert _violations(page) == []


def test_published_embed_has_no_accessibility_violations(
    page, app_url: str, published: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/embed/{published[1]}")
    page.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
    assert _violations(page) == []
