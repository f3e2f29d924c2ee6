"""Health, meta, error shape and the headers every response carries."""

from __future__ import annotations

from apiclient import Api
from sqlalchemy import create_engine

from storyanalytics.storage import StorageBackend, StorageError


class BrokenStorage(StorageBackend):
    async def read(self, path: str) -> bytes:
        raise StorageError("down")

    async def write(self, path: str, data: bytes) -> None:
        raise StorageError("down")

    async def delete(self, path: str) -> None:
        raise StorageError("down")

    async def list(self, prefix: str = "") -> list[str]:
        raise StorageError("down")

    async def exists(self, path: str) -> bool:
        raise StorageError("down")


def test_health_reports_database_and_storage_ok(api: Api) -> None:
    response = api.client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok", "version": "0.1.0"}


def test_health_names_unreachable_storage_with_503(api: Api) -> None:
    api.app.state.storage = BrokenStorage()
    response = api.client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["storage"] == "unreachable"
    assert response.json()["database"] == "ok"
    assert "storage" in response.json()["detail"]


def test_health_names_unreachable_database_with_503(local_api: Api) -> None:
    local_api.app.state.engine = create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    response = local_api.client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert "database" in response.json()["detail"]


def test_meta_describes_mode_and_auth(api: Api) -> None:
    body = api.client.get("/api/meta").json()
    assert body == {
        "mode": "cloud" if api.cloud else "local",
        "auth_required": api.cloud,
        "version": "0.1.0",
        "max_upload_mb": 50,
    }


def test_api_responses_forbid_framing_and_sniffing(api: Api) -> None:
    response = api.client.get("/api/meta")
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_unknown_api_path_is_json_404(api: Api) -> None:
    response = api.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]


def test_invalid_body_gets_one_sentence_422(api: Api) -> None:
    response = api.post("/api/charts", json={"title": ["not", "a", "string"], "version": "x"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "title" in detail


def test_malformed_json_gets_422_not_500(api: Api) -> None:
    response = api.post("/api/charts", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_nul_characters_are_never_a_server_error(api: Api) -> None:
    """PostgreSQL refuses NUL in text; that is the caller's input problem (422), not a 500."""
    assert api.get("/api/charts", params={"q": "a\x00b"}).status_code in {200, 422}
    assert api.post("/api/teams", json={"name": "a\x00b"}).status_code in {201, 422}
    assert api.get("/api/charts/a%00b").status_code in {404, 422}


def test_version_numbers_beyond_the_database_range_are_422(api: Api) -> None:
    chart = api.chart()
    assert api.get(f"/api/charts/{chart['id']}/versions/{2**40}").status_code == 422
    assert api.patch(f"/api/charts/{chart['id']}", json={"version": 2**40}).status_code == 422
