"""Publishing to the edge writes a self-contained set of static files, replaces it atomically, removes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from edge_helpers import keys, s3_event, stored

from storyanalytics.publish import invalidate_function, layout
from storyanalytics.publish.bundle import BundleMissing, EmbedBundle
from storyanalytics.publish.edge import Edge, EdgeItem
from storyanalytics.publish.payloads import encode_payload

pytestmark = pytest.mark.anyio
PUBLIC_ID = "pub_AAAAAAAAAAAAAAAAAAAAAA"


def chart_item(title: str = "Sales", rows: int = 3, png: bytes | None = None) -> EdgeItem:
    payload = {
        "public_id": PUBLIC_ID,
        "title": title,
        "data": {"columns": ["x"], "rows": [[i] for i in range(rows)]},
    }
    return EdgeItem("chart", PUBLIC_ID, encode_payload(payload), title, png)


def page_payload_key(s3_client: Any, bucket: str) -> str:
    page = stored(s3_client, bucket, f"embed/{PUBLIC_ID}")["body"]
    path = layout.payload_path_in(page)
    assert path is not None
    return path.lstrip("/")


async def test_publish_writes_page_payload_png_and_the_embed_bundle(
    edge: Edge, s3_client: Any, s3_bucket: str
) -> None:
    url = await edge.publish(chart_item(png=b"\x89PNG fake"))

    assert url == f"https://d111111abcdef8.cloudfront.net/embed/{PUBLIC_ID}"
    page = stored(s3_client, s3_bucket, f"embed/{PUBLIC_ID}")
    assert page["type"].startswith("text/html") and "s-maxage=300" in page["cache"]
    assert b"<title>Sales \xc2\xb7 Story Analytics</title>" in page["body"]
    assert f'src="/embed/{PUBLIC_ID}.png"'.encode() in page["body"]
    payload = stored(s3_client, s3_bucket, page_payload_key(s3_client, s3_bucket))
    assert json.loads(payload["body"])["title"] == "Sales"
    assert payload["cache"] == layout.IMMUTABLE and payload["type"] == "application/json"
    assert stored(s3_client, s3_bucket, f"embed/{PUBLIC_ID}.png")["type"] == "image/png"
    asset = stored(s3_client, s3_bucket, "assets/render-BBBB2222.js")
    assert asset["cache"] == layout.IMMUTABLE and asset["type"].startswith("text/javascript")
    assert stored(s3_client, s3_bucket, "embed.js")["body"].startswith(b"/* Story Analytics embed")


async def test_only_the_embed_bundle_goes_to_the_edge_never_the_editor_or_precompressed_copies(
    edge: Edge, s3_client: Any, s3_bucket: str
) -> None:
    await edge.publish(chart_item())
    assets = [key for key in keys(s3_client, s3_bucket) if key.startswith("assets/")]
    assert assets == ["assets/embed-AAAA1111.js", "assets/render-BBBB2222.js"]


async def test_shared_assets_are_uploaded_once_for_all_charts(edge: Edge, small_dist: Path) -> None:
    await edge.publish(chart_item())
    fresh = Edge(edge.files, small_dist, edge.base_url)  # another app instance
    assert await fresh.ensure_assets() == []


async def test_republish_points_the_same_url_at_a_new_payload_written_before_the_page(
    edge: Edge,
    s3_client: Any,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await edge.publish(chart_item("Before"))
    first = page_payload_key(s3_client, s3_bucket)
    writes: list[str] = []
    put = edge.files.put

    async def recording_put(key: str, data: bytes, **kwargs: str) -> None:
        writes.append(key)
        await put(key, data, **kwargs)

    monkeypatch.setattr(edge.files, "put", recording_put)
    await edge.publish(chart_item("After"))

    second = page_payload_key(s3_client, s3_bucket)
    assert second != first
    assert writes.index(second) < writes.index(f"embed/{PUBLIC_ID}")
    assert json.loads(stored(s3_client, s3_bucket, second)["body"])["title"] == "After"
    # The previous payload stays for a page cached a minute ago; nothing older does.
    assert first in keys(s3_client, s3_bucket)


async def test_a_third_publish_drops_payloads_no_page_can_point_at(
    edge: Edge, s3_client: Any, s3_bucket: str
) -> None:
    for title in ("One", "Two", "Three"):
        await edge.publish(chart_item(title))
    payloads = [k for k in keys(s3_client, s3_bucket) if k.startswith(f"data/{PUBLIC_ID}/")]
    assert len(payloads) == 2


async def test_republish_and_unpublish_changes_reach_the_invalidation_function_as_the_right_paths(
    edge: Edge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the edge stack's function receives as S3 events (one per write or delete) names the page."""
    changes: list[dict[str, Any]] = []
    put, delete = edge.files.put, edge.files.delete

    async def recording_put(key: str, data: bytes, **kwargs: Any) -> None:
        changes.append(s3_event(f"public/{key}"))
        await put(key, data, **kwargs)

    async def recording_delete(key: str) -> None:
        changes.append(s3_event(f"public/{key}", "Object Deleted"))
        await delete(key)

    monkeypatch.setattr(edge.files, "put", recording_put)
    monkeypatch.setattr(edge.files, "delete", recording_delete)
    await edge.publish(chart_item("One"))
    republished = invalidate_function.batch_paths(changes)
    changes.clear()
    await edge.remove(PUBLIC_ID)
    unpublished = invalidate_function.batch_paths(changes)

    assert f"/embed/{PUBLIC_ID}" in republished and f"/embed/{PUBLIC_ID}" in unpublished
    assert any(path.startswith(f"/data/{PUBLIC_ID}/") for path in unpublished)
    assert not any(path.startswith("/data/") for path in republished)


async def test_unpublish_removes_every_file_of_the_item_and_keeps_shared_assets(
    edge: Edge, s3_client: Any, s3_bucket: str
) -> None:
    await edge.publish(chart_item("One", png=b"png"))
    await edge.publish(chart_item("Two", png=b"png"))
    await edge.remove(PUBLIC_ID)
    left = keys(s3_client, s3_bucket)
    assert not [key for key in left if PUBLIC_ID in key]
    assert "assets/render-BBBB2222.js" in left


async def test_a_chart_dropped_from_a_dashboard_is_readable_in_no_payload_of_it(
    edge: Edge, s3_client: Any, s3_bucket: str
) -> None:
    dashboard_id = "dash_BBBBBBBBBBBBBBBBBBBBBB"
    document = {
        "public_id": dashboard_id,
        "title": "Board",
        "layout": [{"chart_id": "c1", "width": 6}, {"chart_id": "c2", "width": 6}],
        "charts": {"c1": {"title": "Secret"}, "c2": {"title": "Kept"}},
    }
    await edge.publish(EdgeItem("dashboard", dashboard_id, encode_payload(document), "Board"))
    await edge.publish(
        EdgeItem("dashboard", dashboard_id, encode_payload({**document, "title": "Board 2"}), "Board")
    )

    assert await edge.drop_chart(dashboard_id, "c1") is True

    payloads = [k for k in keys(s3_client, s3_bucket) if k.startswith(f"data/{dashboard_id}/")]
    assert len(payloads) == 1
    bodies = [stored(s3_client, s3_bucket, key)["body"] for key in payloads]
    assert all(b"Secret" not in body for body in bodies)
    current = await edge.read_payload(dashboard_id)
    assert current is not None and list(current["charts"]) == ["c2"]
    assert [entry["chart_id"] for entry in current["layout"]] == ["c2"]


async def test_the_published_page_preloads_its_payload_and_the_renderer_it_imports(
    edge: Edge, s3_client: Any, s3_bucket: str
) -> None:
    await edge.publish(chart_item())
    page = stored(s3_client, s3_bucket, f"embed/{PUBLIC_ID}")["body"].decode()
    payload = "/" + page_payload_key(s3_client, s3_bucket)
    assert f'<link rel="preload" as="fetch" crossorigin href="{payload}">' in page
    assert '<link rel="modulepreload" crossorigin href="/assets/render-BBBB2222.js">' in page


def test_chunks_loaded_on_demand_are_not_preloaded(small_dist: Path) -> None:
    entry = small_dist / "assets" / "embed-AAAA1111.js"
    entry.write_text(entry.read_text() + "import(`./atlas-DDDD4444.js`);", encoding="utf-8")
    (small_dist / "assets" / "atlas-DDDD4444.js").write_text("export default 1", encoding="utf-8")
    bundle = EmbedBundle.from_dist(small_dist)
    assert bundle.static_chunks == ["render-BBBB2222.js"]
    assert "atlas-DDDD4444.js" in bundle.asset_names  # still published, fetched when a map needs it


def test_a_missing_web_build_says_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(BundleMissing, match="npm run build"):
        EmbedBundle.from_dist(tmp_path / "nowhere")


def test_the_page_never_carries_inline_script_for_the_strict_csp(small_dist: Path) -> None:
    page = layout.render_page(
        EmbedBundle.from_dist(small_dist).template,
        kind="dashboard",
        title="<b>Board</b>",
        payload_path="/data/x/abc.json",
        png_path=None,
    ).decode()
    assert 'data-payload="/data/x/abc.json" data-kind="dashboard"' in page
    assert "&lt;b&gt;Board&lt;/b&gt;" in page
    assert page.count("<script") == 1 and 'src="/assets/' in page
