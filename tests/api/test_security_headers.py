"""Headers: a real CSP on pages, embeds and the API, HSTS in cloud mode, no-store on private JSON, HEAD."""

from __future__ import annotations

from pathlib import Path

import pytest
from apiclient import Api, local_settings
from publishing_helpers import chart_with_data, publish

CSP_DIRECTIVES = {
    "default-src": "default-src 'self'",
    "script-src": "script-src 'self'",
    "style-src": "style-src 'self' 'unsafe-inline'",  # Observable Plot styles its SVG inline
    "connect-src": "connect-src 'self'",
}


def directives(csp: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}


@pytest.fixture
def spa(tmp_path: Path, local_data_dir: Path, start_api) -> Api:  # type: ignore[no-untyped-def]
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "embed.html").write_text("<!doctype html><title>embed</title>")
    return start_api(local_settings(local_data_dir, web_dist_dir=dist), "local")


def test_the_web_app_page_has_a_real_csp_and_may_not_be_framed(spa: Api) -> None:
    csp = directives(spa.client.get("/charts/abc/edit").headers["content-security-policy"])
    for name, directive in CSP_DIRECTIVES.items():
        assert csp[name] == directive
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"


def test_embed_pages_and_public_payloads_have_a_real_csp_and_may_be_framed(spa: Api) -> None:
    public_id = publish(spa, chart_with_data(spa)["id"])["public_id"]
    public = f"/api/public/charts/{public_id}"
    for path in (f"/embed/{public_id}", public, public):  # twice: the route, then the fast path
        csp = directives(spa.client.get(path).headers["content-security-policy"])
        assert csp["script-src"] == "script-src 'self'" and csp["frame-ancestors"] == "frame-ancestors *"


def test_cloud_mode_sends_hsts_everywhere(cloud_api: Api) -> None:
    public_id = publish(cloud_api, chart_with_data(cloud_api)["id"])["public_id"]
    public = f"/api/public/charts/{public_id}"
    for path in ("/api/meta", "/api/charts", public, public):  # twice: the route, then the fast path
        assert "max-age=31536000" in cloud_api.get(path).headers["strict-transport-security"]


def test_cloud_mode_lets_the_web_app_post_uploads_to_the_bucket_and_nowhere_else(
    cloud_api: Api, moto_server: str
) -> None:
    csp = directives(cloud_api.get("/api/meta").headers["content-security-policy"])
    assert csp["connect-src"] == f"connect-src 'self' {moto_server}"


def test_local_mode_sends_no_hsts(local_api: Api) -> None:
    assert "strict-transport-security" not in local_api.get("/api/meta").headers


def test_private_json_is_never_stored_by_caches(api: Api) -> None:
    chart = api.chart()
    for path in ("/api/charts", f"/api/charts/{chart['id']}", "/api/settings", "/api/auth/me"):
        assert api.get(path).headers["cache-control"] == "no-store", path


def test_public_payloads_keep_their_revalidating_cache(api: Api) -> None:
    public_id = publish(api, chart_with_data(api)["id"])["public_id"]
    assert "no-cache" in api.client.get(f"/api/public/charts/{public_id}").headers["cache-control"]


def test_head_is_answered_wherever_get_is(api: Api) -> None:
    chart = chart_with_data(api)
    public_id = publish(api, chart["id"])["public_id"]
    paths = [
        "/api/health",
        "/api/meta",
        "/api/charts",
        f"/api/charts/{chart['id']}",
        f"/api/charts/{chart['id']}/data",
        "/api/dashboards",
        "/api/settings",
        f"/api/public/charts/{public_id}",
        "/embed.js",
    ]
    for path in paths:
        got = api.get(path)
        head = api.request("HEAD", path)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        assert head.headers.get("content-length") == got.headers.get("content-length"), path
