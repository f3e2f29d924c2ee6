"""The public layout on the edge: which file lives at which path, with which type and caching.

Every published chart or dashboard is a small set of static files under the edge prefix (`public/`),
served by CloudFront at the same paths (the distribution's origin path is the prefix):

    /embed.js                        the script that sizes embed iframes        short-lived
    /embed/<public_id>               the embed page (HTML), the stable URL      short-lived + invalidated
    /embed/<public_id>.png           the PNG fallback (<noscript>)              short-lived + invalidated
    /data/<public_id>/<hash>.json    the frozen payload, named by its content   immutable
    /assets/<name>-<hash>.js|css     the embed bundle, shared by all charts     immutable

The page names its payload, so a republish writes the new payload first and the page last: a reader
never meets a page that points at a payload that is not there yet. The page path is the app's own
(`/embed/<public_id>`), so the same embed code shape works on the app (local mode) and on the CDN.
"""

from __future__ import annotations

import hashlib
import re
from html import escape

from storyanalytics.publish.bundle import BundleMissing

EDGE_PREFIX = "public"
EMBED_SCRIPT_KEY = "embed.js"
# Hashed names never change meaning: browsers and CloudFront keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# Pages, the PNG and the sizing script: browsers recheck after a minute; CloudFront keeps them five
# minutes at most (s-maxage) and a republish invalidates them at once.
SHORT_LIVED = "public, max-age=60, s-maxage=300"
HTML = "text/html; charset=utf-8"
JSON = "application/json"
PNG = "image/png"
JAVASCRIPT = "text/javascript; charset=utf-8"
CONTENT_TYPES = {
    ".js": JAVASCRIPT,
    ".mjs": JAVASCRIPT,
    ".css": "text/css; charset=utf-8",
    ".json": JSON,
    ".svg": "image/svg+xml",
    ".png": PNG,
    ".woff2": "font/woff2",
    ".map": JSON,
}
PAYLOAD_HASH_CHARS = 16
# The team's embed allowlist rides on each page object as S3 user metadata, which S3 answers as the
# x-amz-meta-frame-ancestors header; the edge's viewer-response function makes it the CSP
# frame-ancestors (cfn/edge.yaml, publish/frame_ancestors_function.js). User metadata is at most 2 KB:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
FRAME_ANCESTORS_META = "frame-ancestors"
MAX_FRAME_ANCESTORS_CHARS = 1900
_CHART_DIV = re.compile(r"<div id=\"chart\"([^>]*)>")
_TITLE = re.compile(r"<title>.*?</title>", re.S)


def page_key(public_id: str) -> str:
    return f"embed/{public_id}"


def png_key(public_id: str) -> str:
    return f"embed/{public_id}.png"


def payload_folder(public_id: str) -> str:
    return f"data/{public_id}/"


def payload_key(public_id: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()[:PAYLOAD_HASH_CHARS]
    return f"{payload_folder(public_id)}{digest}.json"


def asset_key(name: str) -> str:
    return f"assets/{name}"


def url_path(key: str) -> str:
    """The path a key is served at by the CDN (the origin path strips the prefix)."""
    return "/" + key


def frame_ancestors_value(origins: list[str] | None) -> str:
    """A team allowlist as CSP frame-ancestors sources (the app's header and the edge's page metadata)."""
    cleaned = [origin for origin in (origins or []) if origin and all(c not in origin for c in " ;,\r\n")]
    return " ".join(cleaned) if cleaned else "*"


def page_metadata(origins: list[str] | None) -> dict[str, str]:
    """The page object's metadata for a team allowlist; none when any site may embed (None, [] or *)."""
    value = frame_ancestors_value(origins)
    if value == "*":
        return {}
    if len(value) > MAX_FRAME_ANCESTORS_CHARS:
        raise BundleMissing(
            f"the team's embed allowlist is {len(value)} characters, more than the CDN can carry "
            f"({MAX_FRAME_ANCESTORS_CHARS}): list fewer sites, or use a wildcard such as https://*.example.org"
        )
    return {FRAME_ANCESTORS_META: value}


def content_type_for(name: str) -> str:
    for suffix, content_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/octet-stream"


def with_preloads(template: str, chunks: list[str], payload_path: str) -> str:
    """The embed page asking at once for what it will need: the renderer's chunks and the payload.

    Without this the browser finds them in turn (page, entry script, renderer, then the payload fetch),
    one round trip each. The payload preload is a CORS fetch like the page's own fetch(), so it is reused:
    https://html.spec.whatwg.org/multipage/links.html#link-type-preload
    """
    links = [f'<link rel="modulepreload" crossorigin href="/assets/{escape(name)}">' for name in chunks]
    links.append(f'<link rel="preload" as="fetch" crossorigin href="{escape(payload_path, quote=True)}">')
    return template.replace("</head>", "  " + "\n    ".join(links) + "\n  </head>", 1)


def render_page(
    template: str,
    *,
    kind: str,
    title: str,
    payload_path: str,
    png_path: str | None,
    chunks: list[str] | None = None,
) -> bytes:
    """The built embed.html with the payload's path (and kind) on #chart, the PNG as <noscript>, and
    preloads of the payload and the renderer's `chunks`.

    No inline script: the edge's Content-Security-Policy allows scripts from the same origin only.
    """
    attributes = f' data-payload="{escape(payload_path, quote=True)}" data-kind="{escape(kind, quote=True)}"'
    fallback = ""
    if png_path is not None:
        alt = escape(title or "Chart", quote=True)
        src = escape(png_path, quote=True)
        fallback = f'<noscript><img src="{src}" alt="{alt}" style="width:100%"></noscript>'
    page, found = _CHART_DIV.subn(lambda m: f'<div id="chart"{m.group(1)}{attributes}>', template, count=1)
    if not found:
        raise BundleMissing('the built embed.html has no <div id="chart">: rebuild web/ (`npm run build`)')
    page = _TITLE.sub(lambda _: f"<title>{escape(title or 'Chart')} · Story Analytics</title>", page, count=1)
    if fallback:
        page = page.replace("</body>", f"{fallback}\n  </body>", 1)
    return with_preloads(page, chunks or [], payload_path).encode("utf-8")


_PAYLOAD_ATTRIBUTE = re.compile(r'data-payload="([^"]+)"')


def payload_path_in(page: bytes) -> str | None:
    """The payload path a stored page points at (to drop the one before it after a republish)."""
    found = _PAYLOAD_ATTRIBUTE.search(page.decode("utf-8", "replace"))
    return found.group(1) if found else None
