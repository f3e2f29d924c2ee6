"""Publishing helpers: public ids, ETags, cache, frame-ancestors, embed code and embed.js."""

from __future__ import annotations

import base64

from storyanalytics.api.services import publishing
from storyanalytics.api.services.publishing import PublicCache, PublicDocument


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
    code = publishing.embed_code("https://charts.example.org/", "Abc_123-xyzXYZ0123456", 'Say "hi" <b>')
    assert code["public_url"] == "https://charts.example.org/embed/Abc_123-xyzXYZ0123456"
    assert 'src="https://charts.example.org/embed/Abc_123-xyzXYZ0123456"' in code["iframe"]
    assert "width:100%" in code["iframe"]
    assert 'title="Say &quot;hi&quot; &lt;b&gt;"' in code["iframe"]
    assert code["script"] == '<script async src="https://charts.example.org/embed.js"></script>'
    assert code["html"] == code["iframe"] + "\n" + code["script"]


def test_embed_script_checks_message_shape_and_source() -> None:
    script = publishing.EMBED_SCRIPT
    assert '"story-analytics:height"' in script
    assert "frame.contentWindow !== event.source" in script
    assert "data.publicId" in script and "isFinite(height)" in script
