"""The error answers each route documents in /openapi.json (storyanalytics/api/responses.py), as a client
generating code from the schema sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storyanalytics.api import create_app
from storyanalytics.api.responses import NOT_FOUND, error_responses
from storyanalytics.config import load_settings

# Every route documents these (create_app(responses=...)); a route may give one its own wording.
APP_WIDE = {401: "Not signed in", 404: "Not found (or in another team)", 422: "Invalid request"}
STALE = "Stale version: reload and try again"
NOT_PUBLISHED = "Not published (embed code) or published meanwhile (publish)"
UPLOAD = {413: "Larger than MAX_UPLOAD_MB", 415: "Neither multipart nor text/csv"}
MALFORMED_CSV = "Malformed CSV (the message names the line)"
ADMINS_ONLY = "Admins only"
TEAM_MANAGERS = "Only the team's owners and admins (owners for owner roles)"
LAST_OWNER = "The team's last owner"
# What each route documents beyond, or instead of, the app-wide answers.
ROUTE_ERRORS: dict[str, dict[int, str]] = {
    "DELETE /api/themes/{theme_id}": {403: "Built-in themes are read-only"},
    "PATCH /api/themes/{theme_id}": {403: "Built-in themes are read-only"},
    "PUT /api/settings": {403: ADMINS_ONLY},
    "GET /api/users": {403: ADMINS_ONLY},
    "POST /api/users": {403: ADMINS_ONLY, 409: "Email already in use"},
    "PATCH /api/users/{user_id}": {403: ADMINS_ONLY, 409: "The last active admin"},
    "POST /api/users/me/password": {403: "Current password wrong"},
    "PATCH /api/teams/{team_id}": {403: TEAM_MANAGERS},
    "POST /api/teams/{team_id}/members": {403: TEAM_MANAGERS, 409: "Already in this team"},
    "PATCH /api/teams/{team_id}/members/{user_id}": {403: TEAM_MANAGERS, 409: LAST_OWNER},
    "DELETE /api/teams/{team_id}/members/{user_id}": {403: TEAM_MANAGERS, 409: LAST_OWNER},
    "POST /api/admin/import-metadata": {
        403: ADMINS_ONLY,
        409: "Not a cloud deployment, another import running, or the copy refused",
    },
    "GET /api/charts/{chart_id}/embed-code": {409: NOT_PUBLISHED},
    "POST /api/charts/{chart_id}/publish": {409: NOT_PUBLISHED},
    "GET /api/dashboards/{dashboard_id}/embed-code": {409: NOT_PUBLISHED},
    "POST /api/dashboards/{dashboard_id}/publish": {409: NOT_PUBLISHED},
    "PATCH /api/charts/{chart_id}": {409: STALE},
    "PATCH /api/dashboards/{dashboard_id}": {409: STALE},
    "POST /api/charts/{chart_id}/versions/{number}/restore": {409: STALE},
    "GET /api/charts/{chart_id}/export/{fmt}": {409: "No data (csv) or no snapshot (png, pdf, pptx) yet"},
    "PUT /api/charts/{chart_id}/data/format": {409: "The chart has no data yet"},
    "GET /api/health": {503: "Service Unavailable"},
    "GET /api/public/charts/{public_id}": {
        304: "Not modified (If-None-Match matched the ETag)",
        404: "Not published",
    },
    "GET /api/public/dashboards/{public_id}": {
        304: "Not modified (If-None-Match matched the ETag)",
        404: "Not published",
    },
    "POST /api/charts/{chart_id}/data/direct-upload": {
        409: "Local storage: send the file to PUT .../data",
        413: UPLOAD[413],
    },
    "POST /api/charts/{chart_id}/data/from-upload": {
        404: "No such chart, or the uploaded file is gone",
        413: UPLOAD[413],
        422: "Malformed CSV, or a key this chart did not get",
    },
    "POST /api/uploads/parse": {**UPLOAD, 422: MALFORMED_CSV},
    "PUT /api/charts/{chart_id}/data": {**UPLOAD, 422: MALFORMED_CSV},
    "PUT /api/charts/{chart_id}/snapshot": {413: "Over 10 MB", 415: "Not image/png"},
    "PUT /api/charts/{chart_id}/snapshot/slide": {413: "Over 10 MB", 415: "Not image/png"},
    "PUT /api/charts/{chart_id}/snapshot/vector": {
        413: "Over 10 MB",
        415: "Not image/svg+xml",
        422: "Not a usable SVG",
    },
}


@pytest.fixture(scope="module")
def operations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each operation of the app's OpenAPI schema by "METHOD /path"."""
    data_dir: Path = tmp_path_factory.mktemp("openapi")
    schema = create_app(load_settings(data_dir=data_dir, _env_file=None)).openapi()
    return {
        f"{method.upper()} {path}": operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_client_sees_each_routes_error_statuses_and_descriptions(
    operations: dict[str, dict[str, Any]],
) -> None:
    documented = {
        name: {
            int(code): answer["description"] for code, answer in op["responses"].items() if int(code) >= 300
        }
        for name, op in operations.items()
    }
    expected = {name: APP_WIDE | ROUTE_ERRORS.get(name, {}) for name in operations}
    assert not set(ROUTE_ERRORS) - set(operations), "ROUTE_ERRORS names a route the app no longer has"
    assert documented == expected


def test_client_sees_the_detail_body_on_every_documented_error(operations: dict[str, dict[str, Any]]) -> None:
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    other_bodies = {"GET /api/health": {503}}  # 503 there is the health report itself (HealthOut)
    wrong = [
        (name, code)
        for name, op in operations.items()
        for code, answer in op["responses"].items()
        if int(code) >= 400
        and int(code) not in other_bodies.get(name, set())
        and answer.get("content") != error_body
    ]
    assert not wrong


def test_a_status_documented_twice_is_refused_when_the_route_is_declared() -> None:
    with pytest.raises(ValueError, match="404 is documented twice"):
        error_responses(NOT_FOUND, (404, "Not published"))
