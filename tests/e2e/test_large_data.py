"""A 100,000-row chart in Chromium: a small published payload, and "Showing N of M" wherever it is drawn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

ROWS = 100_000
NOTE = f"Showing 5,000 of {ROWS:,} rows (a random sample)."
PAYLOAD_LIMIT = 512 * 1024


@pytest.fixture(scope="module")
def big_chart(app_url: str) -> dict[str, Any]:
    """A published scatter of 100,000 rows: its id, public id and public payload."""
    lines = ["x,y,group"] + [f"{i},{(i * 7919) % 1000 / 10},G{i % 5}" for i in range(ROWS)]
    with httpx.Client(base_url=app_url, timeout=120) as client:
        created = client.post(
            "/api/charts",
            json={
                "title": "Many points",
                "chart_type": "scatter",
                "config": {"mapping": {"x": "x", "y": "y", "color": "group"}},
            },
        )
        created.raise_for_status()
        chart_id = created.json()["id"]
        client.put(
            f"/api/charts/{chart_id}/data",
            content="\n".join(lines) + "\n",
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        published = client.post(f"/api/charts/{chart_id}/publish")
        published.raise_for_status()
        public_id = published.json()["public_id"]
        payload = client.get(f"/api/public/charts/{public_id}")
        payload.raise_for_status()
    return {"id": chart_id, "public_id": public_id, "payload": payload.content}


def test_the_published_payload_of_100k_rows_stays_small(big_chart: dict[str, Any]) -> None:
    assert len(big_chart["payload"]) < PAYLOAD_LIMIT
    assert NOTE.encode() in big_chart["payload"]


def test_the_embed_says_what_it_shows(
    page, app_url: str, big_chart: dict[str, Any], shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/embed/{big_chart['public_id']}")
    page.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
    assert page.get_by_test_id("reduced-note").inner_text() == NOTE
    shot("large-data-embed")


def test_the_editor_says_what_it_shows(
    page, app_url: str, big_chart: dict[str, Any], shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/charts/{big_chart['id']}")
    preview = page.get_by_test_id("chart-preview")
    preview.locator(".sa-chart svg").first.wait_for()
    assert preview.get_by_test_id("reduced-note").inner_text() == NOTE
    assert f"{ROWS} rows" in page.get_by_test_id("data-preview").inner_text()
    shot("large-data-editor", preview)


def test_the_html_export_says_what_it_shows(
    page, app_url: str, big_chart: dict[str, Any], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    exported = httpx.get(f"{app_url}/api/charts/{big_chart['id']}/export/html", timeout=60)
    exported.raise_for_status()
    assert len(exported.content) < PAYLOAD_LIMIT + 2 * 1024 * 1024  # the payload plus the inlined bundle
    path = tmp_path / "export.html"
    path.write_bytes(exported.content)
    page.goto(path.as_uri())
    page.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
    assert page.get_by_test_id("reduced-note").inner_text() == NOTE
