"""Cloud mode with an edge: publishing writes static files to the edge bucket, and the URLs are the CDN's."""

from __future__ import annotations

from typing import Any

import pytest
from apiclient import Api
from publishing_helpers import CDN, chart_with_data, dashboard_with, edge_keys, publish, team_id

pytestmark = pytest.mark.postgres


def test_publish_answers_with_the_cdn_url_and_writes_the_page_there(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    chart = chart_with_data(edge_api)
    published = publish(edge_api, chart["id"])
    assert published["public_url"] == f"{CDN}/embed/{published['public_id']}"
    assert f"public/embed/{published['public_id']}" in edge_keys(s3_client, edge_bucket)


def test_embed_code_points_at_the_cdn(edge_api: Api) -> None:
    chart = chart_with_data(edge_api)
    public_id = publish(edge_api, chart["id"])["public_id"]
    code = edge_api.get(f"/api/charts/{chart['id']}/embed-code").json()
    assert code["public_url"] == f"{CDN}/embed/{public_id}"
    assert f'src="{CDN}/embed.js"' in code["script"]


def test_unpublish_removes_the_charts_files_from_the_edge(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    chart = chart_with_data(edge_api)
    public_id = publish(edge_api, chart["id"])["public_id"]
    assert edge_api.delete(f"/api/charts/{chart['id']}/publish").status_code == 204
    assert edge_keys(s3_client, edge_bucket, public_id) == []


def test_deleting_a_chart_removes_it_from_a_published_dashboard_on_the_edge(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    kept = chart_with_data(edge_api, title="Kept chart")
    gone = chart_with_data(edge_api, title="Deleted chart")
    board = dashboard_with(edge_api, [kept["id"], gone["id"]])
    board_public = edge_api.post(f"/api/dashboards/{board['id']}/publish").json()["public_id"]

    assert edge_api.delete(f"/api/charts/{gone['id']}").status_code == 204

    payloads = edge_keys(s3_client, edge_bucket, f"data/{board_public}/")
    bodies = [s3_client.get_object(Bucket=edge_bucket, Key=key)["Body"].read() for key in payloads]
    assert bodies and all(b"Deleted chart" not in body for body in bodies)
    assert any(b"Kept chart" in body for body in bodies)


def test_deleting_a_dashboard_removes_its_files_from_the_edge(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    board = dashboard_with(edge_api, [chart_with_data(edge_api)["id"]])
    public_id = edge_api.post(f"/api/dashboards/{board['id']}/publish").json()["public_id"]
    assert edge_keys(s3_client, edge_bucket, public_id)
    assert edge_api.delete(f"/api/dashboards/{board['id']}").status_code == 204
    assert edge_keys(s3_client, edge_bucket, public_id) == []


def test_an_unreachable_edge_is_a_clear_503_not_a_crash(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    s3_client.delete_bucket(Bucket=edge_bucket)
    chart = chart_with_data(edge_api)
    response = edge_api.post(f"/api/charts/{chart['id']}/publish")
    assert response.status_code == 503
    assert "publish --sync" in response.json()["detail"]


def _page_metadata(s3_client: Any, edge_bucket: str, public_id: str) -> dict[str, str]:
    metadata: dict[str, str] = s3_client.head_object(Bucket=edge_bucket, Key=f"public/embed/{public_id}")[
        "Metadata"
    ]
    return metadata


def test_a_published_page_carries_its_teams_embed_allowlist_to_the_edge(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    origins = ["https://news.example.org", "https://*.example.com"]
    assert (
        edge_api.patch(f"/api/teams/{team_id(edge_api)}", json={"embed_origins": origins}).status_code == 200
    )
    public_id = publish(edge_api, chart_with_data(edge_api)["id"])["public_id"]
    assert _page_metadata(s3_client, edge_bucket, public_id) == {"frame-ancestors": " ".join(origins)}


def test_changing_the_allowlist_rewrites_the_teams_published_pages_on_the_edge(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    public_id = publish(edge_api, chart_with_data(edge_api)["id"])["public_id"]
    assert _page_metadata(s3_client, edge_bucket, public_id) == {}  # any site

    team = team_id(edge_api)
    assert (
        edge_api.patch(f"/api/teams/{team}", json={"embed_origins": ["https://a.example"]}).status_code == 200
    )
    assert _page_metadata(s3_client, edge_bucket, public_id) == {"frame-ancestors": "https://a.example"}
    assert edge_api.patch(f"/api/teams/{team}", json={"embed_origins": []}).status_code == 200
    assert _page_metadata(s3_client, edge_bucket, public_id) == {}


def test_an_allowlist_too_long_for_the_cdn_is_refused_with_what_to_do(edge_api: Api) -> None:
    origins = [f"https://site-{n:03d}-{'x' * 40}.example.org" for n in range(50)]
    response = edge_api.patch(f"/api/teams/{team_id(edge_api)}", json={"embed_origins": origins})
    assert response.status_code == 422
    assert "wildcard" in response.text
