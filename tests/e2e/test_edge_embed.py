"""An embed served from the edge keeps working with the app stopped: draws, resizes, follows republish.

The edge is the moto bucket's public prefix behind the CloudFront stand-in
(storyanalytics/rehearsal/standins/cdn.py); the host page is a plain static server on a third origin.
The app runs only to publish, then stops.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import ROOT, running_app, static_server

from storyanalytics.rehearsal.standins.cdn import cloudfront_standin

pytestmark = pytest.mark.browser
CSV = "country,sales\nFrance,120\nGermany,150\nItaly,90\nSpain,110\n"
FRAME = "iframe[data-story-analytics-id]"
OUTPUT = ROOT / "test-output" / "e2e" / "edge"


class EdgeApp:
    """Starts the real app against the edge when a step needs it; between steps it is stopped."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.env = env

    @contextlib.contextmanager
    def running(self) -> Iterator[httpx.Client]:
        log = self.data_dir / "server.log"
        with (
            running_app(self.data_dir, log, **self.env) as url,
            httpx.Client(base_url=url, timeout=20) as client,
        ):
            yield client


@pytest.fixture
def edge(moto_server: str, s3_client: Any, tmp_path: Path) -> Iterator[tuple[EdgeApp, str]]:
    bucket = f"sa-edge-{secrets.token_hex(6)}"
    s3_client.create_bucket(Bucket=bucket)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with cloudfront_standin(moto_server, bucket) as cdn_url:
        env = {
            "EDGE_BUCKET": bucket,
            "EDGE_URL": cdn_url,
            "AWS_ENDPOINT_URL": moto_server,
            "AWS_REGION": "us-east-1",
        }
        yield EdgeApp(data_dir, env), cdn_url


def _update(client: httpx.Client, chart_id: str, **changes: Any) -> None:
    version = client.get(f"/api/charts/{chart_id}").json()["version"]
    response = client.patch(f"/api/charts/{chart_id}", json={**changes, "version": version})
    assert response.status_code == 200, response.text


def _open_host(browser: Any, host_url: str) -> tuple[Any, Any]:
    """A new reader (fresh cache) on the host page; returns (page, the embed's iframe element)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{host_url}/index.html")
    frame_el = page.locator(FRAME)
    frame_el.wait_for()
    return page, frame_el


def test_edge_embed_draws_resizes_and_follows_republish_and_unpublish_with_the_app_stopped(
    edge: tuple[EdgeApp, str], browser: Any, tmp_path: Path
) -> None:
    app, cdn_url = edge
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with app.running() as client:
        chart_id = client.post("/api/charts", json={"title": "Before", "chart_type": "column"}).json()["id"]
        client.put(f"/api/charts/{chart_id}/data", content=CSV, headers={"Content-Type": "text/csv"})
        _update(client, chart_id, config={"mapping": {"x": "country", "y": "sales"}})
        published = client.post(f"/api/charts/{chart_id}/publish").json()
        code = client.get(f"/api/charts/{chart_id}/embed-code").json()
        app_url = str(client.base_url)
    public_url = published["public_url"]
    assert public_url.startswith(cdn_url + "/embed/")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{app_url}/api/health", timeout=2)  # the app is stopped from here on

    host = tmp_path / "host"
    host.mkdir()
    (host / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Host</title></head>"
        "<body style='margin:20px'><h1>Another site</h1>"
        f"<div style='width:720px'>{code['html']}</div></body></html>"
    )
    with static_server(host) as host_url:
        reader, frame_el = _open_host(browser, host_url)
        frame = frame_el.content_frame
        frame.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
        assert "Before" in frame.locator("#chart").inner_text()
        chart_height = frame.locator("#chart").evaluate("el => el.getBoundingClientRect().height")
        reader.wait_for_function(
            f"h => Math.abs(document.querySelector('{FRAME}').getBoundingClientRect().height - h) <= 3",
            arg=chart_height,
        )
        assert frame_el.evaluate("el => el.getBoundingClientRect().height") != 420
        reader.screenshot(path=str(OUTPUT / "edge-embed-app-stopped.png"))
        reader.context.close()

        with app.running() as client:
            _update(client, chart_id, title="After")
            again = client.post(f"/api/charts/{chart_id}/publish").json()
        assert again["public_url"] == public_url
        reader, frame_el = _open_host(browser, host_url)
        frame_el.content_frame.locator("body[data-state=ready] .sa-chart svg").first.wait_for()
        assert "After" in frame_el.content_frame.locator("#chart").inner_text()
        reader.context.close()

        with app.running() as client:
            assert client.delete(f"/api/charts/{chart_id}/publish").status_code == 204
        assert httpx.get(public_url, timeout=5).status_code == 404
        reader, frame_el = _open_host(browser, host_url)
        assert frame_el.content_frame.locator(".sa-chart svg").count() == 0
        reader.context.close()


def test_the_teams_embed_allowlist_holds_on_the_edge(
    edge: tuple[EdgeApp, str], browser: Any, tmp_path: Path
) -> None:
    app, _ = edge
    host = tmp_path / "host"
    host.mkdir()
    with static_server(host) as host_url, static_server(host) as other_url:
        with app.running() as client:
            team_id = client.get("/api/teams").json()[0]["id"]
            allowed = client.patch(f"/api/teams/{team_id}", json={"embed_origins": [host_url]})
            assert allowed.status_code == 200, allowed.text
            chart = client.post("/api/charts", json={"title": "Allowlisted", "chart_type": "column"}).json()
            client.post(f"/api/charts/{chart['id']}/publish").raise_for_status()
            code = client.get(f"/api/charts/{chart['id']}/embed-code").json()
        (host / "index.html").write_text(f"<!doctype html><title>Host</title><body>{code['html']}</body>")

        reader, frame_el = _open_host(browser, host_url)  # on the allowlist: the page runs
        frame_el.content_frame.locator("body[data-state=ready] h2.sa-title").wait_for()
        reader.context.close()

        stranger, frame_el = _open_host(browser, other_url)  # another site: the browser refuses the frame
        stranger.wait_for_timeout(2_000)
        assert frame_el.content_frame.locator("body[data-state]").count() == 0
        stranger.context.close()
