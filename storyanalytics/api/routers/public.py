"""Public, unauthenticated reads of published charts and dashboards, and the embed script.

Each request costs one indexed query (still published? which version? which team allowlist?); the
payload bytes and ETag come from a per-process cache keyed by the public version, so a 304 needs no
storage read at all, and an unpublish answers 404 from the next request on.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.responses import Responses, error_responses
from storyanalytics.api.security import allow_framing, public_security_headers
from storyanalytics.api.services.published import (
    Kind,
    load_public_document,
    lookup_public,
    public_not_found,
)
from storyanalytics.api.services.withdrawn_charts import without_withdrawn_charts
from storyanalytics.publish.embed_code import EMBED_SCRIPT_BYTES, EMBED_SCRIPT_ETAG
from storyanalytics.publish.payloads import (
    PUBLIC_CACHE_CONTROL,
    PublicCache,
    etag_matches,
    looks_like_public_id,
)

router = APIRouter(tags=["public"], route_class=LazyAPIRoute)

_JSON_RESPONSES: Responses = {
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
    **error_responses((404, "Not published")),
}


def public_cache(request: Request) -> PublicCache:
    cache: PublicCache | None = getattr(request.app.state, "public_cache", None)
    if cache is None:
        cache = request.app.state.public_cache = PublicCache()
    return cache


def public_headers(etag: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": PUBLIC_CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag",
    }


@lru_cache(maxsize=4096)  # one per published version: embeds revalidate on every view
def _raw_public_headers(etag: str) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((k.lower().encode(), v.encode()) for k, v in public_headers(etag).items())


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
    if kind == "dashboard":
        document = without_withdrawn_charts(engine, public_id, document)
    headers = public_headers(document.etag)
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


PUBLIC_CHART_PREFIX = "/api/public/charts/"


class PublicChartFastPath:
    """Answers the common public chart read (published, payload cached) before the app's routing.

    Embeds revalidate on every view (Cache-Control: no-cache), so most public traffic is this one
    lookup followed by a 304. It is still checked against the database (published? which version?),
    and the headers are those the route and SecurityHeadersMiddleware give. Anything else (not found,
    a cold cache, a database error) goes on to the route, which answers it in full.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(PUBLIC_CHART_PREFIX) and await self._answer(scope, send, path):
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send, path: str) -> bool:
        public_id = path[len(PUBLIC_CHART_PREFIX) :]
        if not looks_like_public_id(public_id):
            return False
        state = scope["app"].state
        cache: PublicCache | None = getattr(state, "public_cache", None)
        if cache is None:
            return False
        try:
            found = lookup_public(state.engine, "chart", public_id)
        except Exception:  # the route meets the same error and answers it as every route does
            return False
        if found is None:
            return False
        _, public_version, origins = found
        document = cache.get("chart", public_id, public_version)
        if document is None:
            return False
        headers = list(_raw_public_headers(document.etag))
        sent = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        if_none_match = sent.decode("latin-1") if sent is not None else None
        if etag_matches(if_none_match, document.etag):
            status, body = 304, b""
        else:
            status, body = 200, document.body
            headers += [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        headers += public_security_headers(origins, state.settings.is_cloud)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
