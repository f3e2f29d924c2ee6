"""The API test client used by tests/api: a running app plus a signed-in client."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from storyanalytics.config import Settings, load_settings

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "quiet-harbour-lantern-42"
BASE_URL = "https://testserver"  # https, so the Secure refresh cookie is sent back


@dataclass
class Api:
    """A running app and a client signed in as its first user (admin)."""

    app: FastAPI
    client: TestClient
    settings: Settings
    mode: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def cloud(self) -> bool:
        return self.mode == "cloud"

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def login(self, email: str, password: str) -> dict[str, str]:
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def new_user(self, email: str | None = None, password: str = "member-password-1") -> dict[str, str]:
        """A new user with a team of their own; returns their auth headers (cloud mode)."""
        email = email or f"user-{secrets.token_hex(4)}@example.org"
        response = self.post("/api/users", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        return self.login(email, password)

    def chart(self, **body: Any) -> dict[str, Any]:
        response = self.post("/api/charts", json={"title": "A chart", **body})
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def local_settings(data_dir: Path, **overrides: Any) -> Settings:
    return load_settings(data_dir=data_dir, _env_file=None, **overrides)


def cloud_settings(
    database_url: str, moto_server: str, bucket: str, jwt_secret: str, **overrides: Any
) -> Settings:
    return load_settings(
        app_mode="cloud",
        storage_backend="s3",
        s3_bucket=bucket,
        aws_endpoint_url=moto_server,
        aws_region="us-east-1",
        database_url=database_url,
        jwt_secret=jwt_secret,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        _env_file=None,
        **overrides,
    )
