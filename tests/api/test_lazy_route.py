"""Routes analysed on first use (storyanalytics/api/lazy_route.py): the same routes as FastAPI's own, built
only when the app first needs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi import APIRouter, FastAPI, status
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.routers import ROUTERS


class ItemIn(BaseModel):
    name: str


class ItemOut(BaseModel):
    name: str
    size: int


def _app_with(router: APIRouter) -> FastAPI:
    @router.post("/items/{item_id}", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
    def make(item_id: int, body: ItemIn, verbose: bool = False) -> dict[str, object]:
        """Makes an item."""
        return {"name": body.name, "size": item_id, "extra": verbose}

    app = FastAPI(responses={404: {"description": "Not found"}})
    app.include_router(router)
    return app


def test_lazy_routes_answer_and_describe_themselves_as_fastapis_own() -> None:
    lazy = _app_with(APIRouter(prefix="/api", tags=["t"], route_class=LazyAPIRoute))
    eager = _app_with(APIRouter(prefix="/api", tags=["t"]))
    answers = [TestClient(app).post("/api/items/3?verbose=true", json={"name": "a"}) for app in (lazy, eager)]
    assert [(r.status_code, r.json()) for r in answers] == [(201, {"name": "a", "size": 3})] * 2
    invalid = [TestClient(app).post("/api/items/x", json={}).json() for app in (lazy, eager)]
    assert invalid[0] == invalid[1]
    assert lazy.openapi() == eager.openapi()


def test_every_app_route_is_declared_lazily() -> None:
    eager = [
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and not isinstance(route, LazyAPIRoute)
    ]
    assert not eager, f"declare these routers with route_class=LazyAPIRoute: {eager}"


def test_every_app_route_builds_on_first_use() -> None:
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                assert route.dependant.call is route.endpoint, route.path


def test_started_app_answering_health_has_not_analysed_the_other_routes(tmp_path: Path) -> None:
    code = (
        "from fastapi.testclient import TestClient\n"
        "from storyanalytics.api.app import create_app\n"
        "from storyanalytics.api.routers import charts, health\n"
        "with TestClient(create_app()) as client: status = client.get('/api/health').status_code\n"
        "print(status, all(r.is_built for r in health.router.routes),"
        " any(r.is_built for r in charts.router.routes))"
    )
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "True", "False"]
