"""`publish --sync`: the edge is made to match the database (library call first, then the CLI)."""

from __future__ import annotations

from typing import Any

import pytest
from apiclient import Api
from publishing_helpers import chart_with_data, dashboard_with, edge_keys, publish
from typer.testing import CliRunner

from storyanalytics.cli import app
from storyanalytics.publish.sync import sync_published

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]


def empty_edge(s3_client: Any, bucket: str) -> None:
    for key in edge_keys(s3_client, bucket):
        s3_client.delete_object(Bucket=bucket, Key=key)


async def _sync(api: Api) -> Any:
    state = api.app.state
    return await sync_published(state.session_factory, state.storage, state.edge)


async def test_sync_writes_items_published_before_the_edge_existed(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    public_id = publish(edge_api, chart_with_data(edge_api)["id"])["public_id"]
    empty_edge(s3_client, edge_bucket)
    edge_api.app.state.edge._assets_ready = False  # a new process would look again

    report = await _sync(edge_api)

    assert [url.rsplit("/", 1)[-1] for url in report.written] == [public_id]
    assert f"public/embed/{public_id}" in edge_keys(s3_client, edge_bucket)
    assert any(key.startswith("public/assets/") for key in edge_keys(s3_client, edge_bucket))


async def test_sync_removes_files_of_items_no_longer_published(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    stale = "stale_AAAAAAAAAAAAAAAAAAAAAA"
    s3_client.put_object(Bucket=edge_bucket, Key=f"public/embed/{stale}", Body=b"<html>old</html>")
    s3_client.put_object(Bucket=edge_bucket, Key=f"public/data/{stale}/0123456789abcdef.json", Body=b"{}")

    report = await _sync(edge_api)

    assert report.removed == [stale]
    assert edge_keys(s3_client, edge_bucket, stale) == []


async def test_sync_leaves_an_unpublished_chart_out_of_published_dashboards(
    edge_api: Api, s3_client: Any, edge_bucket: str
) -> None:
    hidden = chart_with_data(edge_api, title="Unpublished later")
    shown = chart_with_data(edge_api, title="Still shown")
    publish(edge_api, hidden["id"])
    board = dashboard_with(edge_api, [hidden["id"], shown["id"]])
    board_public = edge_api.post(f"/api/dashboards/{board['id']}/publish").json()["public_id"]
    edge_api.delete(f"/api/charts/{hidden['id']}/publish")
    empty_edge(s3_client, edge_bucket)

    await _sync(edge_api)

    (key,) = edge_keys(s3_client, edge_bucket, f"data/{board_public}/")
    body = s3_client.get_object(Bucket=edge_bucket, Key=key)["Body"].read()
    assert b"Still shown" in body and b"Unpublished later" not in body


def test_cli_publish_sync_says_how_to_configure_the_edge_when_there_is_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("EDGE_BUCKET", "EDGE_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["publish", "--sync"])
    assert result.exit_code == 2
    assert "set EDGE_BUCKET and EDGE_URL" in result.output
