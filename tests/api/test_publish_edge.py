"""Cloud mode with an edge: publishing writes static files to the edge bucket, and the URLs are the CDN's."""

from __future__ import annotations

from typing import Any

import pytest
from apiclient import Api
from publishing_helpers import CDN, chart_with_data, dashboard_with, edge_keys, publish

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
