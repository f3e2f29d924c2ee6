"""Serving the built web app: pages, the embed page, hashed assets, and JSON 404s under /api."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from apiclient import Api, local_settings


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "embed.html").write_text(
        '<!doctype html><head><title>embed</title><script type="module" src="/assets/embed-e1.js"></script>'
        "</head>"
    )
    (root / "assets" / "embed-e1.js").write_text('import{r}from"./render-r1.js";r()')
    (root / "assets" / "render-r1.js").write_text("export function r(){}")
    (root / "assets" / "index-abc123.js").write_text("console.log(1)")
    (root / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    (root / "assets" / "index-abc123.js.br").write_bytes(b"brotli bytes made at build time")
    (root / "assets" / "plain-def456.js").write_text("console.log(2)")
    (root / "favicon.svg").write_text("<svg/>")
    return root


@pytest.fixture
def spa(dist: Path, local_data_dir: Path, start_api) -> Api:  # type: ignore[no-untyped-def]
    return start_api(local_settings(local_data_dir, web_dist_dir=dist), "local")


def test_client_routes_get_index_html_and_may_not_be_framed(spa: Api) -> None:
    response = spa.client.get("/charts/abc/edit")
    assert response.status_code == 200 and "<title>app</title>" in response.text
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(spa: Api) -> None:
    response = spa.client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert spa.client.get("/assets/missing.js").status_code == 404


def test_assets_go_out_as_the_builds_brotli_copy_when_the_browser_takes_it(spa: Api) -> None:
    response = spa.client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.content == b"brotli bytes made at build time"  # the client cannot decode br itself


def test_assets_go_out_gzipped_to_a_browser_without_brotli(spa: Api) -> None:
    response = spa.client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == "console.log(1)"


def test_assets_go_out_plain_when_compression_is_refused_or_not_built(spa: Api) -> None:
    refused = spa.client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.text == "console.log(1)"
    plain = spa.client.get("/assets/plain-def456.js", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers and plain.text == "console.log(2)"


def test_files_at_the_root_are_served(spa: Api) -> None:
    assert spa.client.get("/favicon.svg").text == "<svg/>"


def test_embed_page_is_the_embed_bundle_and_may_be_framed(spa: Api) -> None:
    response = spa.client.get("/embed/" + "a" * 32)
    assert "<title>embed</title>" in response.text
    assert response.headers["content-security-policy"].endswith("frame-ancestors *")


def test_embed_page_asks_for_its_renderer_and_payload_at_once(spa: Api) -> None:
    page = spa.client.get("/embed/" + "a" * 32).text
    assert '<link rel="modulepreload" crossorigin href="/assets/render-r1.js">' in page
    assert f'<link rel="preload" as="fetch" crossorigin href="/api/public/charts/{"a" * 32}">' in page
    board = spa.client.get("/embed/" + "a" * 32 + "?kind=dashboard").text
    assert f'href="/api/public/dashboards/{"a" * 32}"' in board


def test_embed_page_uses_the_teams_allowlist(spa: Api) -> None:
    team_id = spa.get("/api/teams").json()[0]["id"]
    spa.patch(f"/api/teams/{team_id}", json={"embed_origins": ["https://news.example"]})
    chart = spa.chart()
    published = spa.post(f"/api/charts/{chart['id']}/publish")
    assert published.status_code == 200, published.text
    response = spa.client.get(f"/embed/{published.json()['public_id']}")
    assert response.headers["content-security-policy"].endswith("frame-ancestors https://news.example")


def test_unknown_api_path_is_json_404_not_the_app(spa: Api) -> None:
    response = spa.client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


def test_path_traversal_does_not_escape_dist(spa: Api) -> None:
    response = spa.client.get("/assets/..%2F..%2Fsecret.txt")
    assert response.status_code == 404


def test_api_routes_still_win_over_the_app(spa: Api) -> None:
    assert spa.client.get("/api/meta").json()["mode"] == "local"
