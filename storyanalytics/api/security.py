"""Passwords (Argon2id), tokens (JWT HS256 with an explicit algorithm list) and security headers."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyanalytics.publish.layout import frame_ancestors_value

JWT_ALGORITHM = "HS256"
JWT_ALGORITHMS = [JWT_ALGORITHM]
REFRESH_COOKIE = "sa_refresh"
REFRESH_COOKIE_PATH = "/api/auth"

_hasher = PasswordHasher()  # argon2-cffi's default type is Argon2id


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def dummy_password_hash() -> str:
    """A hash to verify against when the email is unknown, so both paths take about the same time."""
    return hash_password(secrets.token_urlsafe(16))


def make_access_token(secret: str, user_id: str, minutes: int, token_version: int = 0) -> tuple[str, int]:
    now = datetime.now(UTC)
    expires_in = minutes * 60
    payload = {
        "sub": user_id,
        "type": "access",
        "iat": now,
        "exp": now + timedelta(seconds=expires_in),
        "jti": secrets.token_hex(8),
        "tv": token_version,
    }
    import jwt  # here, not at the top: see decode_access_token

    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM), expires_in


def decode_access_token(secret: str, token: str) -> tuple[str, int] | None:
    """(user id, token version) of a valid, unexpired access token, or None."""
    # PyJWT is imported on the first token, not with this module: with `cryptography` it costs ~30 ms of
    # CPU, which every start (and its first health check, which has no token) would pay.
    import jwt

    try:
        payload: dict[str, Any] = jwt.decode(
            token, secret, algorithms=JWT_ALGORITHMS, options={"require": ["exp", "sub", "type"]}
        )
    except jwt.PyJWTError:
        return None
    version = payload.get("tv", 0)
    if payload.get("type") != "access" or not isinstance(payload.get("sub"), str) or type(version) is not int:
        return None
    return str(payload["sub"]), version


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """Refresh tokens are random 256-bit values, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- security headers -------------------------------------------------------------------------------
PUBLIC_PREFIXES = ("/embed/", "/api/public/")
PUBLIC_PATHS = frozenset({"/embed.js"})
FRAME_ANCESTORS_STATE_KEY = "frame_ancestors"


def is_public_path(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def allow_framing(request: Request, origins: list[str] | None) -> None:
    """Let the team's allowlist frame this public response (None or [] = any origin).

    Call it from a public route (/embed/*, /api/public/*); SecurityHeadersMiddleware turns it into
    `Content-Security-Policy: frame-ancestors ...`.
    """
    request.state.frame_ancestors = list(origins or [])


STANDARD_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


# The web app loads only its own hashed bundles and talks only to its own API; Observable Plot sets
# inline style attributes, and PNG export draws through data:/blob: images.
def csp_base(upload_origin: str = "") -> str:
    """The policy's shared part; `upload_origin` is where the web app posts CSV uploads straight to S3."""
    connect = f"'self' {upload_origin}" if upload_origin else "'self'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; font-src 'self' data:; connect-src {connect}; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'"
    )


CSP_BASE = csp_base()
# FastAPI's interactive docs load Swagger UI and ReDoc from a CDN with inline scripts: framing rules only.
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HSTS_VALUE = b"max-age=31536000; includeSubDomains"
NO_STORE = b"no-store"


def public_csp(origins: Sequence[str] | None) -> bytes:
    return _public_csp(tuple(origins) if origins else ())


@lru_cache(maxsize=1024)  # one per team allowlist: every public read (embeds' 304s) asks again
def _public_csp(origins: tuple[str, ...]) -> bytes:
    return f"{CSP_BASE}; frame-ancestors {frame_ancestors_value(list(origins))}".encode()


def app_csp(path: str, upload_origin: str = "") -> bytes:
    if path in DOCS_PATHS:
        return b"frame-ancestors 'none'"
    return f"{csp_base(upload_origin)}; frame-ancestors 'none'".encode()


def upload_origin_of(scope: Scope) -> str:
    """The storage's direct-upload origin (S3 in cloud mode), or "" when uploads go through the app."""
    app = scope.get("app")
    storage = getattr(getattr(app, "state", None), "storage", None)
    origin = getattr(storage, "upload_origin", "")
    return origin if isinstance(origin, str) else ""


def public_security_headers(origins: list[str] | None, hsts: bool) -> list[tuple[bytes, bytes]]:
    """What SecurityHeadersMiddleware adds to a public response, for paths that answer without it."""
    extra = [(b"strict-transport-security", HSTS_VALUE)] if hsts else []
    return [(b"content-security-policy", public_csp(origins)), *STANDARD_HEADERS, *extra]


def is_private_api(path: str) -> bool:
    return path.startswith("/api/") and not is_public_path(path)


class SecurityHeadersMiddleware:
    """CSP everywhere (app pages may not be framed, public embeds may); HSTS in cloud mode;
    `Cache-Control: no-store` on the private API's answers, so no shared cache or back button keeps them.
    """

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        public = is_public_path(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if public:
                    state = scope.get("state") or {}
                    csp = public_csp(state.get(FRAME_ANCESTORS_STATE_KEY))
                else:
                    csp = app_csp(path, upload_origin_of(scope))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", csp))
                if not public and b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"DENY"))
                if is_private_api(path) and b"cache-control" not in names:
                    headers.append((b"cache-control", NO_STORE))
                if self.hsts:
                    headers.append((b"strict-transport-security", HSTS_VALUE))
                headers.extend(STANDARD_HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGetMiddleware:
    """HEAD wherever GET: the GET route runs and its body is dropped (headers, length and ETag kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
