"""Public reads: published payloads without auth, ETag / 304, 404 at once on unpublish, framing, embed.js."""

from __future__ import annotations

from apiclient import Api
from publishing_helpers import chart_with_data, publish, team_id, upload_csv


def test_public_chart_has_config_data_and_theme_without_auth(api: Api) -> None:
    chart = chart_with_data(api, title="Rates", theme_id="dark")
    public_id = publish(api, chart["id"])["public_id"]
    response = api.client.get(f"/api/public/charts/{public_id}")  # no Authorization header
    assert response.status_code == 200
    body = response.json()
    assert body["public_id"] == public_id and body["public_version"] == 1 and body["title"] == "Rates"
    assert body["chart_type"] == "column" and body["config"]["mapping"] == {"x": "country", "y": "value"}
    assert body["data"]["rows"][1] == {"country": "Spain", "value": 5}
    assert body["theme"]["id"] == "dark" and len(body["theme"]["palette"]) >= 8


def test_public_chart_sends_etag_and_cache_control_and_304s(api: Api) -> None:
    public_id = publish(api, chart_with_data(api)["id"])["public_id"]
    first = api.client.get(f"/api/public/charts/{public_id}")
    etag = first.headers["etag"]
    assert etag.startswith('"') and "no-cache" in first.headers["cache-control"]
    again = api.client.get(f"/api/public/charts/{public_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag


def test_republish_changes_the_etag_and_the_content(api: Api) -> None:
    chart = chart_with_data(api)
    public_id = publish(api, chart["id"])["public_id"]
    etag = api.client.get(f"/api/public/charts/{public_id}").headers["etag"]
    upload_csv(api, chart["id"], "country,value\nPeru,9\n")
    stale = api.client.get(f"/api/public/charts/{public_id}", headers={"If-None-Match": etag})
    assert stale.status_code == 304  # edits are not public until republished
    publish(api, chart["id"])
    fresh = api.client.get(f"/api/public/charts/{public_id}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert fresh.json()["data"]["rows"] == [{"country": "Peru", "value": 9}]


def test_unpublish_makes_the_public_url_404_at_once(api: Api) -> None:
    chart = chart_with_data(api)
    public_id = publish(api, chart["id"])["public_id"]
    etag = api.client.get(f"/api/public/charts/{public_id}").headers["etag"]
    api.delete(f"/api/charts/{chart['id']}/publish")
    assert api.client.get(f"/api/public/charts/{public_id}").status_code == 404
    assert (
        api.client.get(f"/api/public/charts/{public_id}", headers={"If-None-Match": etag}).status_code == 404
    )


def test_deleting_a_published_chart_makes_it_404(api: Api) -> None:
    chart = chart_with_data(api)
    public_id = publish(api, chart["id"])["public_id"]
    api.delete(f"/api/charts/{chart['id']}")
    assert api.client.get(f"/api/public/charts/{public_id}").status_code == 404


def test_unknown_public_ids_are_json_404(local_api: Api) -> None:
    for public_id in ("x" * 30, "not-an-id"):
        response = local_api.client.get(f"/api/public/charts/{public_id}")
        assert response.status_code == 404 and "No published chart" in response.json()["detail"]


def test_public_responses_may_be_framed_by_any_origin_by_default(local_api: Api) -> None:
    public_id = publish(local_api, chart_with_data(local_api)["id"])["public_id"]
    response = local_api.client.get(f"/api/public/charts/{public_id}")
    assert response.headers["content-security-policy"].endswith("frame-ancestors *")
    assert local_api.get("/api/charts").headers["content-security-policy"].endswith("frame-ancestors 'none'")


def test_public_responses_send_the_teams_embed_allowlist(api: Api) -> None:
    origins = ["https://news.example.org", "https://*.example.com"]
    assert api.patch(f"/api/teams/{team_id(api)}", json={"embed_origins": origins}).status_code == 200
    public_id = publish(api, chart_with_data(api)["id"])["public_id"]
    csp = api.client.get(f"/api/public/charts/{public_id}").headers["content-security-policy"]
    assert csp.endswith("; frame-ancestors https://news.example.org https://*.example.com")


def test_embed_script_is_served_with_cache_headers(local_api: Api) -> None:
    response = local_api.client.get("/embed.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert "story-analytics:height" in response.text and "event.source" in response.text
    cached = local_api.client.get("/embed.js", headers={"If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304


def test_public_paths_are_in_the_openapi_schema(local_api: Api) -> None:
    paths = local_api.client.get("/openapi.json").json()["paths"]
    assert "304" in paths["/api/public/charts/{public_id}"]["get"]["responses"]
    assert "/api/public/dashboards/{public_id}" in paths


def test_warm_cache_answers_match_the_route_answers(api: Api) -> None:
    """The first read goes through the route (cold cache); later ones through the fast path."""
    origins = ["https://news.example.org"]
    assert api.patch(f"/api/teams/{team_id(api)}", json={"embed_origins": origins}).status_code == 200
    public_id = publish(api, chart_with_data(api)["id"])["public_id"]
    url = f"/api/public/charts/{public_id}"
    assert api.client.get(url).status_code == 200  # makes the app's cache
    api.app.state.public_cache.clear()
    cold, warm = api.client.get(url), api.client.get(url)
    assert (warm.status_code, warm.content) == (cold.status_code, cold.content)
    assert sorted(warm.headers.items()) == sorted(cold.headers.items())
    api.app.state.public_cache.clear()
    headers = {"If-None-Match": cold.headers["etag"]}
    cold, warm = api.client.get(url, headers=headers), api.client.get(url, headers=headers)
    assert cold.status_code == warm.status_code == 304 and warm.content == b""
    assert sorted(warm.headers.items()) == sorted(cold.headers.items())
