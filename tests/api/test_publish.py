"""Publishing helpers: public ids, ETags, cache, frame-ancestors, embed code and embed.js."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from contextlib import AbstractContextManager

from apiclient import Api
from publishing_helpers import chart_with_data, publish

from storyanalytics.publish import embed_code as embedding
from storyanalytics.publish import payloads as publishing
from storyanalytics.publish.payloads import PublicCache, PublicDocument, chart_public_key


def test_public_ids_carry_at_least_128_bits_and_look_valid() -> None:
    public_id = publishing.new_public_id()
    assert len(base64.urlsafe_b64decode(public_id + "==")) * 8 >= 128
    assert publishing.looks_like_public_id(public_id)
    assert public_id != publishing.new_public_id()
    assert not publishing.looks_like_public_id("../../etc/passwd")


def test_etag_depends_on_id_version_and_content() -> None:
    tags = {
        publishing.make_etag("a" * 30, 1, b"{}"),
        publishing.make_etag("b" * 30, 1, b"{}"),
        publishing.make_etag("a" * 30, 2, b"{}"),
        publishing.make_etag("a" * 30, 1, b"[]"),
    }
    assert len(tags) == 4


def test_if_none_match_accepts_lists_weak_tags_and_star() -> None:
    etag = '"abc"'
    assert publishing.etag_matches('"x", W/"abc"', etag)
    assert publishing.etag_matches("*", etag)
    assert not publishing.etag_matches('"abcd"', etag)
    assert not publishing.etag_matches(None, etag)


def test_cache_evicts_oldest_beyond_its_byte_budget() -> None:
    cache = PublicCache(max_bytes=400)
    for version in range(1, 6):
        cache.put("chart", "p", PublicDocument(body=b"x" * 100, etag=f'"{version}"', public_version=version))
    assert cache.get("chart", "p", 1) is None
    assert cache.get("chart", "p", 5) is not None


def test_embed_code_is_a_responsive_iframe_plus_the_script() -> None:
    code = embedding.embed_code("https://charts.example.org/", "Abc_123-xyzXYZ0123456", 'Say "hi" <b>')
    assert code["public_url"] == "https://charts.example.org/embed/Abc_123-xyzXYZ0123456"
    assert 'src="https://charts.example.org/embed/Abc_123-xyzXYZ0123456"' in code["iframe"]
    assert "width:100%" in code["iframe"]
    assert 'title="Say &quot;hi&quot; &lt;b&gt;"' in code["iframe"]
    assert code["script"] == '<script async src="https://charts.example.org/embed.js"></script>'
    assert code["html"] == code["iframe"] + "\n" + code["script"]


def test_embed_script_checks_message_shape_and_source() -> None:
    script = embedding.EMBED_SCRIPT
    assert '"story-analytics:height"' in script
    assert "frame.contentWindow !== event.source" in script
    assert "data.publicId" in script and "isFinite(height)" in script


# --- routes ------------------------------------------------------------------------------------------
def test_publish_gives_a_stable_public_id_and_counts_versions(api: Api) -> None:
    chart = chart_with_data(api)
    first = publish(api, chart["id"])
    assert first["public_version"] == 1
    assert first["public_url"] == f"/embed/{first['public_id']}"
    assert first["api_url"] == f"/api/public/charts/{first['public_id']}"
    second = publish(api, chart["id"])
    assert second["public_id"] == first["public_id"] and second["public_version"] == 2
    fetched = api.get(f"/api/charts/{chart['id']}").json()
    assert (
        fetched["is_published"]
        and fetched["public_id"] == first["public_id"]
        and fetched["public_version"] == 2
    )


def test_republish_after_unpublish_keeps_the_public_id(api: Api) -> None:
    chart = chart_with_data(api)
    first = publish(api, chart["id"])
    assert api.delete(f"/api/charts/{chart['id']}/publish").status_code == 204
    assert api.get(f"/api/charts/{chart['id']}").json()["is_published"] is False
    again = publish(api, chart["id"])
    assert again["public_id"] == first["public_id"] and again["public_version"] == 2


def test_embed_code_uses_the_server_address(api: Api) -> None:
    chart = chart_with_data(api, title="Rates")
    public_id = publish(api, chart["id"])["public_id"]
    code = api.get(f"/api/charts/{chart['id']}/embed-code").json()
    assert code["public_url"] == f"https://testserver/embed/{public_id}"
    assert f'data-story-analytics-id="{public_id}"' in code["iframe"] and 'title="Rates"' in code["iframe"]
    assert code["script"] == '<script async src="https://testserver/embed.js"></script>'


def test_embed_code_of_an_unpublished_chart_is_409(api: Api) -> None:
    chart = api.chart()
    response = api.get(f"/api/charts/{chart['id']}/embed-code")
    assert response.status_code == 409 and "publish it first" in response.json()["detail"]


def test_publishing_other_teams_charts_is_404(cloud_api: Api) -> None:
    chart = chart_with_data(cloud_api)
    other = cloud_api.new_user()
    for method in ("POST", "DELETE"):
        response = cloud_api.client.request(method, f"/api/charts/{chart['id']}/publish", headers=other)
        assert response.status_code == 404
    assert cloud_api.client.get(f"/api/charts/{chart['id']}/embed-code", headers=other).status_code == 404


def test_publishing_can_be_turned_off_by_an_admin(api: Api) -> None:
    chart = chart_with_data(api)
    assert api.put("/api/settings", json={"allow_public_embeds": False}).status_code == 200
    response = api.post(f"/api/charts/{chart['id']}/publish")
    assert response.status_code == 403 and "allow_public_embeds" in response.json()["detail"]


def test_a_republish_the_database_fails_to_record_leaves_the_public_document_as_it_was(
    api: Api, failing_database_writes: Callable[[Api], AbstractContextManager[None]]
) -> None:
    chart = chart_with_data(api, title="Before")
    publish(api, chart["id"])
    stored = chart_public_key(chart["id"])
    before = asyncio.run(api.app.state.storage.read(stored))
    version = api.get(f"/api/charts/{chart['id']}").json()["version"]
    assert (
        api.patch(f"/api/charts/{chart['id']}", json={"title": "After", "version": version}).status_code
        == 200
    )
    with failing_database_writes(api):
        assert api.post(f"/api/charts/{chart['id']}/publish").status_code == 503
    assert asyncio.run(api.app.state.storage.read(stored)) == before
    assert api.get(f"/api/charts/{chart['id']}").json()["public_version"] == 1


def test_a_first_publish_the_database_fails_to_record_leaves_no_public_document(
    api: Api, failing_database_writes: Callable[[Api], AbstractContextManager[None]]
) -> None:
    chart = chart_with_data(api)
    with failing_database_writes(api):
        assert api.post(f"/api/charts/{chart['id']}/publish").status_code == 503
    assert not asyncio.run(api.app.state.storage.exists(chart_public_key(chart["id"])))
    assert api.get(f"/api/charts/{chart['id']}").json()["is_published"] is False
