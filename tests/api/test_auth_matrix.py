"""Generated from the app's route table: every non-public operation needs a token (401 without one),
and every operation on another team's item answers 404, never 403 or data, so ids don't leak."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from apiclient import Api
from fastapi import FastAPI
from fastapi.routing import APIRoute

from storyanalytics.api import create_app
from storyanalytics.config import load_settings

PUBLIC_PATHS = {"/api/health", "/api/meta", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout"}
PUBLIC_PREFIXES = ("/api/public/",)
# Account administration is global (admins only), not team-scoped.
NOT_TEAM_SCOPED = ("/api/users/{user_id}",)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def walk(routes: list[Any]) -> Iterator[APIRoute]:
    """APIRoutes, also inside included routers (FastAPI may keep them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from walk(route.original_router.routes)
        elif hasattr(route, "routes"):
            yield from walk(route.routes)


def operations(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in walk(app.routes):
        if not route.path.startswith("/api/") or not route.include_in_schema:
            continue
        if route.path in PUBLIC_PATHS or route.path.startswith(PUBLIC_PREFIXES):
            continue
        found.extend((method, route.path) for method in sorted(route.methods))
    return found


# The route table does not depend on settings, so collect it once from a throwaway local app.
OPERATIONS = operations(create_app(load_settings(data_dir="/nonexistent-never-started", _env_file=None)))
SCOPED = [
    (method, path)
    for method, path in OPERATIONS
    if re.search(r"\{(?!number\}|fmt\})[a-z_]+\}", path) and path not in NOT_TEAM_SCOPED
]


def test_matrix_covers_the_routers() -> None:
    paths = {path for _, path in OPERATIONS}
    for expected in ("/api/charts/{chart_id}", "/api/folders/{folder_id}", "/api/teams/{team_id}/members"):
        assert expected in paths
    assert len(SCOPED) >= 20


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", lambda m: ids.get(m.group(1), "0" * 32), path)


def test_every_non_public_operation_without_token_is_401(cloud_api: Api) -> None:
    """One app for the whole table (starting one per operation would take minutes)."""
    wrong = {}
    for method, path in OPERATIONS:
        response = cloud_api.client.request(method, fill(path, {"number": "1", "fmt": "csv"}))
        if response.status_code != 401 or not response.json().get("detail"):
            wrong[f"{method} {path}"] = response.status_code
    assert wrong == {}


@pytest.fixture
def team_items(cloud_api: Api) -> dict[str, str]:
    """One item of every kind in the admin's team."""
    team_id = cloud_api.get("/api/teams").json()[0]["id"]
    chart = cloud_api.chart(title="Secret")
    cloud_api.put(
        f"/api/charts/{chart['id']}/data", content=b"a,b\n1,2\n", headers={"content-type": "text/csv"}
    )
    folder = cloud_api.post("/api/folders", json={"name": "Secret"}).json()
    ids = {
        "team_id": team_id,
        "chart_id": chart["id"],
        "folder_id": folder["id"],
        "user_id": cloud_api.get("/api/auth/me").json()["id"],
        "number": "1",
        "fmt": "csv",
    }
    created = {
        "dashboard_id": ("/api/dashboards", {"title": "Secret", "layout": [{"chart_id": chart["id"]}]}),
        "template_id": ("/api/templates", {"chart_id": chart["id"], "name": "Secret"}),
        "theme_id": ("/api/themes", {"name": "Secret", "base_theme": "default"}),
    }
    for key, (url, body) in created.items():
        response = cloud_api.post(url, json=body)
        assert response.status_code == 201, (url, response.text)
        ids[key] = response.json()["id"]
    return ids


BODIES: dict[str, Any] = {
    "/api/charts/{chart_id}": {"version": 1, "title": "Stolen"},
    "/api/dashboards/{dashboard_id}": {"version": 1, "title": "Stolen"},
    "/api/teams/{team_id}/members": {"email": "admin@example.org", "role": "member"},
    "/api/teams/{team_id}/members/{user_id}": {"role": "member"},
    "/api/templates/{template_id}/charts": {},
    "/api/charts/{chart_id}/data/direct-upload": {"filename": "stolen.csv", "size": 10},
    "/api/charts/{chart_id}/data/from-upload": {"filename": "stolen.csv", "key": "incoming/x/y.csv"},
}


def request_kwargs(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    if path.endswith("/data") and method == "PUT":
        return {"content": b"a,b\n3,4\n", "headers": {**headers, "content-type": "text/csv"}}
    if path.endswith("/snapshot") and method == "PUT":
        return {"content": PNG, "headers": {**headers, "content-type": "image/png"}}
    if method in {"POST", "PATCH", "PUT"}:
        return {"json": BODIES.get(path, {}), "headers": headers}
    return {"headers": headers}


def test_every_operation_on_another_teams_item_is_404(cloud_api: Api, team_items: dict[str, str]) -> None:
    outsider = cloud_api.new_user()
    wrong = {}
    for method, path in SCOPED:
        response = cloud_api.client.request(
            method, fill(path, team_items), **request_kwargs(method, path, outsider)
        )
        if response.status_code != 404 or "Secret" in response.text:
            wrong[f"{method} {path}"] = (response.status_code, response.text[:200])
    assert wrong == {}
    # ...and the items are all still there, unchanged, for their own team.
    chart = cloud_api.get(f"/api/charts/{team_items['chart_id']}").json()
    assert chart["title"] == "Secret" and chart["version"] == 1
