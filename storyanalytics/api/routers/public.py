"""Public, unauthenticated reads of published charts and dashboards, and the embed script.

Each request costs one indexed query (still published? which version? which team allowlist?); the
payload bytes and ETag come from a per-process cache keyed by the public version, so a 304 needs no
storage read at all, and an unpublish answers 404 from the next request on.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.routing import Route

from storyanalytics.api.errors import ErrorOut
from storyanalytics.api.security import allow_framing
from storyanalytics.api.services.published import (
    Kind,
    load_public_document,
    lookup_public,
    public_not_found,
)
from storyanalytics.api.services.publishing import (
    EMBED_SCRIPT_BYTES,
    EMBED_SCRIPT_ETAG,
    PUBLIC_CACHE_CONTROL,
    PublicCache,
    etag_matches,
)

router = APIRouter(tags=["public"])

_JSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
    404: {"model": ErrorOut, "description": "Not published"},
}


def public_cache(request: Request) -> PublicCache:
    cache: PublicCache | None = getattr(request.app.state, "public_cache", None)
    if cache is None:
        cache = request.app.state.public_cache = PublicCache()
    return cache


async def serve_public(request: Request, kind: Kind, public_id: str) -> Response:
    # app.state directly, not Depends: this is the hottest route, and every dependency costs.
    engine = request.app.state.engine
    storage = request.app.state.storage
    found = lookup_public(engine, kind, public_id)
    if found is None:
        raise public_not_found(kind)
    item_id, public_version, origins = found
    allow_framing(request, origins)
    document = await load_public_document(
        storage, public_cache(request), kind, public_id, item_id, public_version
    )
    headers = {
        "ETag": document.etag,
        "Cache-Control": PUBLIC_CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag",
    }
    if etag_matches(request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type="application/json", headers=headers)


async def _chart_route(request: Request) -> Response:
    return await serve_public(request, "chart", request.path_params["public_id"])


async def _dashboard_route(request: Request) -> Response:
    return await serve_public(request, "dashboard", request.path_params["public_id"])


async def embed_script(request: Request) -> Response:
    """Sizes embed iframes from the height their page posts (checked against the iframe's window)."""
    headers = {"ETag": EMBED_SCRIPT_ETAG, "Cache-Control": "public, max-age=3600"}
    allow_framing(request, None)
    if etag_matches(request.headers.get("if-none-match"), EMBED_SCRIPT_ETAG):
        return Response(status_code=304, headers=headers)
    return Response(EMBED_SCRIPT_BYTES, media_type="text/javascript; charset=utf-8", headers=headers)


# The public paths are served by plain Starlette routes: on this, the busiest path (every embed view,
# mostly 304s), FastAPI's per-route work (parameter solving, sub-response) costs more than the database
# lookup. They come first, so the FastAPI routes below never run: those only document the paths (and
# their responses) in the OpenAPI schema, calling the same function.
router.routes.extend(
    [
        Route("/api/public/charts/{public_id}", _chart_route, methods=["GET"]),
        Route("/api/public/dashboards/{public_id}", _dashboard_route, methods=["GET"]),
        Route("/embed.js", embed_script, methods=["GET"], include_in_schema=False),
    ]
)


@router.get("/api/public/charts/{public_id}", response_class=Response, responses=_JSON_RESPONSES)
async def public_chart(public_id: str, request: Request) -> Response:
    """{public_id, public_version, title, description, chart_type, config, data:{columns,rows}, theme}."""
    return await serve_public(request, "chart", public_id)


@router.get("/api/public/dashboards/{public_id}", response_class=Response, responses=_JSON_RESPONSES)
async def public_dashboard(public_id: str, request: Request) -> Response:
    """{public_id, public_version, title, description, layout, charts:{<chart id>: public chart payload}}."""
    return await serve_public(request, "dashboard", public_id)
