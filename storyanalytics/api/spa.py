"""Serve the built web app (web/dist) from the API process: one origin, no separate web server.

/assets/* are content-hashed files, cached for a year, sent as the build's precompressed brotli or
gzip copy when the browser accepts it; /embed/<public_id> is the small embed page;
any other GET that is not an API route or a file gets index.html (client-side routing).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storyanalytics.api.errors import error_response
from storyanalytics.api.security import allow_framing
from storyanalytics.config import Settings
from storyanalytics.db.models import Chart, Dashboard, Team
from storyanalytics.publish.bundle import EmbedBundle
from storyanalytics.publish.layout import with_preloads
from storyanalytics.publish.payloads import looks_like_public_id
from storyanalytics.web_assets import PACKAGED_DIST, REPO_WEB_DIR

ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "no-cache"
REPO_WEB_DIST = REPO_WEB_DIR / "dist"
PACKAGED_WEB_DIST = PACKAGED_DIST  # the build the wheel carries (pip install users have no web/ folder)


def find_web_dist(settings: Settings) -> Path | None:
    """WEB_DIST_DIR if set, else web/dist of the checkout, the build inside the installed package, or
    web/dist in the current folder; None if not built."""
    candidates = (
        [settings.web_dist_dir]
        if settings.web_dist_dir
        else [REPO_WEB_DIST, PACKAGED_WEB_DIST, Path("web/dist")]
    )
    for candidate in candidates:
        if candidate is not None and (candidate / "index.html").is_file():
            return candidate.resolve()
    return None


def _file_inside(root: Path, relative: str) -> Path | None:
    if not relative or "\x00" in relative:
        return None
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


# Made at build time by web/vite.config.js (precompress); brotli first, it is the smaller.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def _precompressed_choices(accept_encoding: str) -> list[tuple[str, str]]:
    """The precompressed encodings the client accepts (q=0 refuses one), best first."""
    accepted: set[str] = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        if params and q.replace(".", "", 1).isdigit() and float(q) == 0:
            continue
        accepted.add(name.strip())
    return [(enc, suffix) for enc, suffix in PRECOMPRESSED if enc in accepted or "*" in accepted]


def embed_origins_for(factory: sessionmaker[Session], public_id: str) -> list[str] | None:
    """The allowlist of the team that published `public_id` (chart or dashboard); None = any origin."""
    with factory() as session:
        for model in (Chart, Dashboard):
            team_id = session.scalar(
                select(model.team_id).where(model.public_id == public_id, model.is_published.is_(True))
            )
            if team_id is not None:
                team = session.get(Team, team_id)
                return list(team.embed_origins or []) if team else None
    return None


def install_spa(app: FastAPI, settings: Settings) -> None:
    """Add the SPA routes last, after every API router, so they never shadow an API path."""
    dist = find_web_dist(settings)
    if dist is None:
        return
    assets = dist / "assets"

    @app.get("/assets/{path:path}", include_in_schema=False)
    async def asset(path: str, request: Request) -> Response:
        target = _file_inside(assets, path)
        if target is None:
            return error_response(404, f"No asset {path!r}: rebuild the web app (npm run build).")
        headers = {"Cache-Control": ASSET_CACHE, "Vary": "Accept-Encoding"}
        media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        for encoding, suffix in _precompressed_choices(request.headers.get("accept-encoding", "")):
            sibling = target.with_name(target.name + suffix)
            if sibling.is_file():
                headers["Content-Encoding"] = encoding
                return FileResponse(sibling, media_type=media_type, headers=headers)
        return FileResponse(target, media_type=media_type, headers=headers)

    # Read once: the page template and the chunks it imports (named as preloads on every embed page).
    embed_bundle = EmbedBundle.from_dist(dist) if (dist / "embed.html").is_file() else None

    @app.get("/embed/{public_id}", include_in_schema=False)
    async def embed_page(public_id: str, request: Request) -> Response:
        page = dist / "embed.html"
        if not page.is_file():
            page = dist / "index.html"
        allow_framing(request, embed_origins_for(request.app.state.session_factory, public_id))
        if embed_bundle is None or not looks_like_public_id(public_id):
            return FileResponse(page, headers={"Cache-Control": PAGE_CACHE})
        kind = "dashboards" if request.query_params.get("kind") == "dashboard" else "charts"
        payload = f"/api/public/{kind}/{public_id}"
        html = with_preloads(embed_bundle.template, embed_bundle.static_chunks, payload)
        return HTMLResponse(html, headers={"Cache-Control": PAGE_CACHE})

    @app.get("/{path:path}", include_in_schema=False)
    async def spa_page(path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            return JSONResponse({"detail": f"No API route /{path}: see /docs for the API."}, status_code=404)
        target = _file_inside(dist, path)
        if target is not None:
            return FileResponse(target, headers={"Cache-Control": PAGE_CACHE})
        return FileResponse(dist / "index.html", headers={"Cache-Control": PAGE_CACHE})
