"""Every error leaves the API as JSON `{"detail": "<one sentence a person can act on>"}`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from storyanalytics.db.engine import DatabaseError
from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.storage import InvalidKey, ObjectNotFound, StorageError, StorageUnavailable
from storyanalytics.storage.breaker import RefusedWhileAway

logger = logging.getLogger("storyanalytics.api")

_STATUS_SENTENCES = {
    400: "The request is malformed: check its body and parameters.",
    401: "Sign in first: send 'Authorization: Bearer <access token>'.",
    403: "You are not allowed to do this.",
    404: "Not found: check the address.",
    405: "This method is not allowed here: check the API documentation at /docs.",
    409: "This conflicts with the current state: reload and try again.",
    413: "The request body is too large.",
    415: "This content type is not supported here.",
    422: "The request could not be processed: check the values you sent.",
}


class ErrorOut(BaseModel):
    """The body of every error response."""

    detail: str


class ApiError(StoryAnalyticsError):
    """An error with an HTTP status; raise it from services to answer with one sentence."""

    def __init__(self, status_code: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers


def not_found(what: str = "item") -> ApiError:
    return ApiError(
        404, f"No {what} with this id in your teams: check the id, or ask to be added to its team."
    )


def _location(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts)


def describe_request_errors(errors: Sequence[Any]) -> str:
    """Pydantic's list of errors as one readable sentence: 'title: ...; version: field required'."""
    sentences: list[str] = []
    for error in errors[:5]:
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        where = _location(error.get("loc", ()))
        kind = error.get("type", "")
        if kind == "missing":
            message = "is required"
        elif kind == "json_invalid":
            message = "the body is not valid JSON"
            where = ""
        sentences.append(f"{where}: {message}" if where else message)
    if len(errors) > 5:
        sentences.append(f"and {len(errors) - 5} more problems")
    text = "; ".join(sentences) or "the request is not valid"
    return f"Invalid request: {text}."


def error_response(status_code: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if detail in (None, "Not Found", "Method Not Allowed"):
        detail = _STATUS_SENTENCES.get(exc.status_code, "The request failed.")
    return error_response(exc.status_code, detail, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, describe_request_errors(exc.errors()))


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.detail, exc.headers)


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    """Errors from the library: storage and database trouble is the server's (503), bad keys the caller's."""
    if isinstance(exc, ObjectNotFound):
        return error_response(404, "The stored file for this item is missing: it may have been deleted.")
    if isinstance(exc, InvalidKey):
        return error_response(422, str(exc))
    if isinstance(exc, StorageUnavailable):
        # One line per real failure; the calls refused while storage is away only at debug level.
        log = logger.debug if isinstance(exc, RefusedWhileAway) else logger.warning
        log("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
        retry = str(exc.retry_after or 5)
        return error_response(
            503,
            f"Storage is not answering right now: try again in {retry} s.",
            {"Retry-After": retry},
        )
    if isinstance(exc, StorageError | DatabaseError):
        logger.warning("storage or database error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "Storage or database is unavailable right now: try again in a moment.")
    return error_response(400, str(exc))


async def _database_or_value_error(request: Request, exc: Exception) -> JSONResponse:
    """Database errors and NUL characters: answered here, so they are not re-raised as server errors."""
    if isinstance(exc, IntegrityError):
        return error_response(
            409, "This conflicts with an existing item (a duplicate or a missing reference)."
        )
    if isinstance(exc, DataError) or (isinstance(exc, ValueError) and "NUL" in str(exc)):
        # PostgreSQL refuses NUL characters and out-of-range numbers that SQLite would take.
        return error_response(
            422, "A value is not valid here (too large, or contains a NUL character): fix it."
        )
    if isinstance(exc, OperationalError):
        logger.warning("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(503, "The database is unavailable right now: try again in a moment.")
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "Something went wrong on the server: try again, and report it if it persists.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StoryAnalyticsError, _library_error)
    app.add_exception_handler(DBAPIError, _database_or_value_error)
    app.add_exception_handler(ValueError, _database_or_value_error)
    app.add_exception_handler(Exception, _unexpected)
