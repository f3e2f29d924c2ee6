"""A container of the production image running in one mode: how to start it, reach it and sign in."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from docker_engine import Container
from sqlalchemy.engine import make_url

ADMIN_EMAIL = "admin@example.org"
START_TIMEOUT_S = 60
HEALTHY_TIMEOUT_S = 60


@dataclass
class Served:
    """A container of the image, running in one mode, with the values it was given."""

    mode: str
    container: Container
    env: dict[str, str]
    bucket: str | None = None

    @property
    def url(self) -> str:
        return self.container.url

    def secrets(self) -> list[str]:
        names = ("JWT_SECRET", "ADMIN_PASSWORD", "AWS_SECRET_ACCESS_KEY")
        values = [self.env[name] for name in names if name in self.env]
        if "DATABASE_URL" in self.env:
            values.append(str(make_url(self.env["DATABASE_URL"]).password))
        return values


def wait_for_health(container: Container) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not container.running():
            pytest.fail(f"the container exited; its log:\n{container.logs()[-3000:]}", pytrace=False)
        try:
            if httpx.get(f"{container.url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"/api/health never answered 200; the log:\n{container.logs()[-3000:]}", pytrace=False)


def cloud_env(database_url: str, moto_server: str, bucket: str) -> dict[str, str]:
    """Cloud mode as the stack configures it, with fresh secret values (the tests look for them in logs)."""
    url = make_url(database_url).set(password=f"db-{secrets.token_hex(12)}")
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": f"aws-{secrets.token_hex(12)}",
        "DATABASE_URL": url.render_as_string(hide_password=False),  # trust auth: any password is let in
        "JWT_SECRET": f"jwt-{secrets.token_hex(24)}",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": f"Admin-{secrets.token_hex(8)}!",
    }


@contextmanager
def signed_in(served: Served) -> Iterator[httpx.Client]:
    """A client of the running container, signed in as the admin in cloud mode (local mode has no auth)."""
    with httpx.Client(base_url=served.url, timeout=20) as client:
        if served.mode == "cloud":
            login = client.post(
                "/api/auth/login", json={"email": ADMIN_EMAIL, "password": served.env["ADMIN_PASSWORD"]}
            )
            assert login.status_code == 200, login.text
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client
