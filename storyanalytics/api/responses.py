"""The error responses routes document in the OpenAPI schema (`responses=`), written one way.

`error_responses(NOT_FOUND, (415, "Not image/png"))` gives the dict FastAPI wants: each status with its
description and the `{"detail": ...}` body (`ErrorOut`). A description more than one route uses is a
constant here; one only a single route says stays next to it as a `(status, description)` pair.
"""

from __future__ import annotations

from typing import Any

from storyanalytics.api.errors import ErrorOut

Responses = dict[int | str, dict[str, Any]]
ErrorDoc = tuple[int, str]

# Documented on every route by the app (create_app).
NOT_SIGNED_IN: ErrorDoc = (401, "Not signed in")
NOT_FOUND: ErrorDoc = (404, "Not found (or in another team)")
INVALID_REQUEST: ErrorDoc = (422, "Invalid request")

# Said by more than one route.
STALE_VERSION: ErrorDoc = (409, "Stale version: reload and try again")
NOT_PUBLISHED: ErrorDoc = (409, "Not published (embed code) or published meanwhile (publish)")
UPLOAD_TOO_LARGE: ErrorDoc = (413, "Larger than MAX_UPLOAD_MB")
SNAPSHOT_TOO_LARGE: ErrorDoc = (413, "Over 10 MB")
ADMINS_ONLY: ErrorDoc = (403, "Admins only")
TEAM_MANAGERS_ONLY: ErrorDoc = (403, "Only the team's owners and admins (owners for owner roles)")
LAST_OWNER: ErrorDoc = (409, "The team's last owner")


def error_responses(*errors: ErrorDoc) -> Responses:
    """`responses=` for a route: each status with an `ErrorOut` body; a status given twice is a bug."""
    responses: Responses = {}
    for status, description in errors:
        if status in responses:
            raise ValueError(f"HTTP {status} is documented twice: give each status one description.")
        responses[status] = {"model": ErrorOut, "description": description}
    return responses
