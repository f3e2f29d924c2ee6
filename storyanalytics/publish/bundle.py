"""The embed bundle of the built web app: the page template and the hashed assets it needs.

Only what embed.html reaches (its scripts and styles, and the chunks those import) goes to the edge,
never the editor. Vite names every asset by its content, so an asset already on the edge is never
uploaded again and all published charts share one copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from storyanalytics.errors import StoryAnalyticsError

# Precompressed siblings are for the app's own server; the CDN compresses on the edge.
PRECOMPRESSED = (".gz", ".br")
_ENTRY = re.compile(r'<script type="module"[^>]*\ssrc="/assets/([^"]+\.js)"')
# Vite's static imports read `from"./x.js"` or `import"./x.js"`; dynamic ones `import(`./x.js`)`.
_STATIC_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*"\./([^"]+\.js)"')


class BundleMissing(StoryAnalyticsError):
    """The web app is not built, so there is no embed page to publish."""


@dataclass(frozen=True)
class EmbedBundle:
    dist: Path

    @classmethod
    def from_dist(cls, dist: Path | None) -> EmbedBundle:
        if dist is None or not (dist / "embed.html").is_file():
            raise BundleMissing(
                "The web app is not built (no web/dist/embed.html): run `npm run build` in web/ "
                "(or set WEB_DIST_DIR) before publishing to the edge."
            )
        return cls(dist.resolve())

    @cached_property
    def template(self) -> str:
        return (self.dist / "embed.html").read_text(encoding="utf-8")

    @cached_property
    def asset_names(self) -> list[str]:
        """Names under dist/assets that the embed page reaches, directly or through imports."""
        folder = self.dist / "assets"
        available = {p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(PRECOMPRESSED)}
        if not available:
            return []
        pattern = re.compile("|".join(re.escape(name) for name in sorted(available, key=len, reverse=True)))
        reached: set[str] = set()
        pending = [self.template]
        while pending:
            text = pending.pop()
            for name in set(pattern.findall(text)) - reached:
                reached.add(name)
                if name.endswith((".js", ".css")):
                    pending.append((folder / name).read_text(encoding="utf-8", errors="replace"))
        return sorted(reached)

    @cached_property
    def static_chunks(self) -> list[str]:
        """Chunks the embed entry imports statically, directly or not: the browser needs them all before
        anything draws, so the page names them up front (modulepreload) instead of finding them one by one."""
        folder = self.dist / "assets"
        found: list[str] = []
        pending = _ENTRY.findall(self.template)
        seen = set(pending)
        while pending:
            source = folder / pending.pop(0)
            if not source.is_file():
                continue
            for name in _STATIC_IMPORT.findall(source.read_text(encoding="utf-8", errors="replace")):
                if name not in seen:
                    seen.add(name)
                    found.append(name)
                    pending.append(name)
        return found

    def asset_bytes(self, name: str) -> bytes:
        return (self.dist / "assets" / name).read_bytes()
