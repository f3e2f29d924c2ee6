"""The standalone HTML export built from the web app's embed bundle (web/dist/embed.html + its assets).

The page inlines the bundle's CSS, its entry module (a module script) and the chunks that entry imports
(data: URLs in an import map, under bare names, because a page opened from disk cannot load sibling
files as modules), plus the chart as JSON that web/src/embed.js reads instead of fetching. So it draws
every chart type exactly as the embed does, offline. The assembled template is cached per build.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PAYLOAD_ID = "story-analytics-payload"  # read by web/src/inlinePayload.js
BARE_PREFIX = "@story-analytics/"
_SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc=["']([^"']+)["'][^>]*>\s*</script>\s*""", re.I)
_LINK = re.compile(r"<link\b[^>]*>\s*", re.I)
_HREF = re.compile(r"""\bhref=["']([^"']+)["']""", re.I)
_REL = re.compile(r"""\brel=["']([^"']+)["']""", re.I)
_TITLE = re.compile(r"<title>.*?</title>", re.I | re.S)
# Sibling-chunk imports as Vite emits them: from"./x.js", import"./x.js", import("./x.js"), import(`./x.js`).
_CHUNK_IMPORT = re.compile(r"""(\b(?:from|import)\s*\(?\s*)(["'`])(\.{1,2}/[^"'`\s]+?\.js)\2""")
_CLOSING = re.compile(r"</(script|style)|<!--", re.I)


class BundleError(Exception):
    """The built embed page is not what this module expects (the export then falls back to SVG)."""


@dataclass(frozen=True)
class _Template:
    head: str  # up to and including "<title>"
    middle: str  # from "</title>" to the payload's JSON
    tail: str  # after the payload's JSON


_cache: dict[tuple[str, int, int], _Template] = {}
_lock = threading.Lock()


def _asset(dist: Path, url: str, relative_to: Path | None = None) -> Path:
    """The file a URL of the built page or chunk names, refused if outside the dist folder."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", path, re.I):
        raise BundleError(f"the embed page loads {url!r} from elsewhere")
    base = dist if relative_to is None or path.startswith("/") else relative_to
    target = (base / path.lstrip("/")).resolve()
    if not target.is_relative_to(dist) or not target.is_file():
        raise BundleError(f"{url!r} is missing from the built web app")
    return target


def _bare(dist: Path, file: Path) -> str:
    return BARE_PREFIX + file.relative_to(dist).as_posix()


def _modules(dist: Path, entry: Path) -> dict[Path, str]:
    """The entry and every chunk it reaches, each with its sibling imports renamed to bare names."""
    found: dict[Path, str] = {}
    pending = [entry]
    while pending:
        file = pending.pop()
        if file in found:
            continue

        def rename(match: re.Match[str], parent: Path = file.parent) -> str:
            target = _asset(dist, match.group(3), relative_to=parent)
            pending.append(target)
            return f"{match.group(1)}{match.group(2)}{_bare(dist, target)}{match.group(2)}"

        found[file] = _CHUNK_IMPORT.sub(rename, file.read_text(encoding="utf-8"))
    return found


def _data_url(source: str) -> str:
    return "data:text/javascript;base64," + base64.b64encode(source.encode("utf-8")).decode("ascii")


def script_hash(source: str) -> str:
    """A CSP hash source for an inline script's exact text."""
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def export_csp(import_map: str, entry_source: str) -> str:
    """The exported page's policy, as a <meta> (a file opened from disk has no headers).

    Only its own two inline scripts run (the import map and the entry module, by hash) and the modules
    the map names (data: URLs, inside the file); nothing is fetched, posted or framed from anywhere.
    Observable Plot styles its SVG inline, hence 'unsafe-inline' for styles. `frame-ancestors` cannot be
    set from a <meta> (browsers ignore it there), so it is left out.
    """
    return (
        f"default-src 'none'; script-src {script_hash(import_map)} {script_hash(entry_source)} data:; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'"
    )


def _assemble(dist: Path, page: str) -> _Template:
    entries = [_asset(dist, src) for src in _SCRIPT_SRC.findall(page)]
    if len(entries) != 1:
        raise BundleError(f"the embed page has {len(entries)} scripts, expected its one entry module")
    styles: list[str] = []
    for link in _LINK.findall(page):
        rel, href = _REL.search(link), _HREF.search(link)
        if rel and href and rel.group(1).lower() == "stylesheet":
            styles.append(_asset(dist, href.group(1)).read_text(encoding="utf-8"))
    page = _LINK.sub("", _SCRIPT_SRC.sub("", page))
    modules = _modules(dist, entries[0])
    entry_source = modules.pop(entries[0])
    imports = {_bare(dist, file): _data_url(source) for file, source in modules.items()}
    if _CLOSING.search(entry_source):  # cannot sit inside a <script> as is: load it through the map
        imports[_bare(dist, entries[0])] = _data_url(entry_source)
        entry_source = f'import "{_bare(dist, entries[0])}";'
    import_map = json.dumps({"imports": imports}).replace("</", "<\\/")
    inline_css = "".join("<style>" + css.replace("</", "<\\/") + "</style>\n" for css in styles)
    head_end = page.find("</head>")
    title = _TITLE.search(page)
    if head_end < 0 or title is None or title.end() > head_end:
        raise BundleError("the embed page has no <title> in its <head>")
    scripts = (
        f"{inline_css}"
        f'<script type="importmap">{import_map}</script>\n'
        f'<script type="application/json" id="{PAYLOAD_ID}">'
    )
    after_payload = f'</script>\n<script type="module">{entry_source}</script>\n'
    meta = f'\n<meta http-equiv="Content-Security-Policy" content="{export_csp(import_map, entry_source)}">'
    return _Template(
        head=page[: title.start()] + "<title>",
        middle="</title>" + meta + page[title.end() : head_end] + scripts,
        tail=after_payload + page[head_end:],
    )


def embed_template(dist: Path) -> _Template:
    """The assembled page for this build of the web app, built once and kept in memory."""
    embed = dist / "embed.html"
    try:
        stat = embed.stat()
    except OSError as exc:
        raise BundleError("the built web app has no embed.html") from exc
    key = (str(embed), stat.st_mtime_ns, stat.st_size)
    with _lock:
        template = _cache.get(key)
        if template is None:
            try:
                template = _assemble(dist, embed.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise BundleError(f"the built web app could not be read ({type(exc).__name__})") from exc
            _cache.clear()
            _cache[key] = template
    return template


def json_for_script(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no '</' or '<!--', no raw U+2028/U+2029."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_bundle_page(dist: Path, payload: dict[str, Any]) -> bytes:
    """The embed page with the chart inside: it draws offline, from a file, like /embed/<id> does."""
    template = embed_template(dist)
    title = f"{payload.get('title') or 'Chart'} · Story Analytics"
    page = template.head + escape(title) + template.middle + json_for_script(payload) + template.tail
    return page.encode("utf-8")
