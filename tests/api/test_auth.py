"""Login, access tokens, the rotating refresh cookie, logout; cloud mode with auth on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from apiclient import ADMIN_EMAIL, ADMIN_PASSWORD, Api, cloud_settings
from sqlalchemy import select

from storyanalytics.api import create_app
from storyanalytics.config import ConfigError
from storyanalytics.db.models import RefreshToken, User


def login(api: Api, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD):  # type: ignore[no-untyped-def]
    return api.client.post("/api/auth/login", json={"email": email, "password": password})


def use_cookie(api: Api, token: str) -> None:
    api.client.cookies.clear()
    api.client.cookies.set("sa_refresh", token)


def test_login_returns_access_token_user_and_refresh_cookie(cloud_api: Api) -> None:
    response = login(cloud_api)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert 0 < body["expires_in"] <= 15 * 60
    assert body["user"]["email"] == ADMIN_EMAIL and body["user"]["is_admin"] is True
    assert body["user"]["teams"][0]["role"] == "owner"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("sa_refresh=")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/api/auth"):
        assert attribute.lower() in cookie.lower()


def test_refresh_token_is_stored_only_as_a_hash(cloud_api: Api) -> None:
    response = login(cloud_api)
    token = response.cookies["sa_refresh"]
    with cloud_api.app.state.session_factory() as session:
        hashes = list(session.scalars(select(RefreshToken.token_hash)))
    assert token not in hashes and len(hashes) >= 1


def test_wrong_password_is_401(cloud_api: Api) -> None:
    response = login(cloud_api, password="wrong-password")
    assert response.status_code == 401
    assert "email or password" in response.json()["detail"]


def test_unknown_email_is_401_with_the_same_message(cloud_api: Api) -> None:
    assert login(cloud_api, email="nobody@example.org").json() == login(cloud_api, password="nope").json()


def test_me_needs_a_token_in_cloud_mode(cloud_api: Api) -> None:
    assert cloud_api.client.get("/api/auth/me").status_code == 401
    assert cloud_api.get("/api/auth/me").json()["email"] == ADMIN_EMAIL


def test_local_mode_acts_as_the_implicit_local_user(local_api: Api) -> None:
    body = local_api.client.get("/api/auth/me").json()
    assert body["is_admin"] is True
    assert [team["name"] for team in body["teams"]] == ["My team"]


def test_refresh_rotates_the_cookie(cloud_api: Api) -> None:
    first = login(cloud_api).cookies["sa_refresh"]
    response = cloud_api.client.post("/api/auth/refresh")
    assert response.status_code == 200
    assert response.json()["access_token"]
    assert response.cookies["sa_refresh"] != first


def test_reusing_a_rotated_refresh_token_is_401_and_signs_out_everywhere(cloud_api: Api) -> None:
    old = login(cloud_api).cookies["sa_refresh"]
    newer = cloud_api.client.post("/api/auth/refresh").cookies["sa_refresh"]
    use_cookie(cloud_api, old)
    replay = cloud_api.client.post("/api/auth/refresh")
    assert replay.status_code == 401
    use_cookie(cloud_api, newer)
    assert cloud_api.client.post("/api/auth/refresh").status_code == 401


def test_logout_revokes_the_refresh_token(cloud_api: Api) -> None:
    token = login(cloud_api).cookies["sa_refresh"]
    assert cloud_api.client.post("/api/auth/logout").status_code == 204
    use_cookie(cloud_api, token)
    assert cloud_api.client.post("/api/auth/refresh").status_code == 401


def test_refresh_without_cookie_is_401(cloud_api: Api) -> None:
    cloud_api.client.cookies.clear()
    assert cloud_api.client.post("/api/auth/refresh").status_code == 401


def test_expired_access_token_is_401(cloud_api: Api, jwt_secret: str) -> None:
    with cloud_api.app.state.session_factory() as session:
        admin_id = session.scalar(select(User.id).where(User.email == ADMIN_EMAIL))
    past = datetime.now(UTC) - timedelta(minutes=1)
    token = jwt.encode({"sub": admin_id, "type": "access", "exp": past}, jwt_secret, algorithm="HS256")
    response = cloud_api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_unsigned_token_with_alg_none_is_401(cloud_api: Api) -> None:
    with cloud_api.app.state.session_factory() as session:
        admin_id = session.scalar(select(User.id).where(User.email == ADMIN_EMAIL))
    future = datetime.now(UTC) + timedelta(minutes=5)
    token = jwt.encode({"sub": admin_id, "type": "access", "exp": future}, key=None, algorithm="none")
    assert (
        cloud_api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_token_signed_with_another_secret_is_401(cloud_api: Api) -> None:
    future = datetime.now(UTC) + timedelta(minutes=5)
    token = jwt.encode(
        {"sub": "x", "type": "access", "exp": future}, "another-secret-" * 4, algorithm="HS256"
    )
    assert (
        cloud_api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_disabled_user_cannot_log_in_or_use_a_token(cloud_api: Api) -> None:
    headers = cloud_api.new_user("carol@example.org")
    user_id = cloud_api.client.get("/api/auth/me", headers=headers).json()["id"]
    assert cloud_api.patch(f"/api/users/{user_id}", json={"is_active": False}).status_code == 200
    assert cloud_api.client.get("/api/auth/me", headers=headers).status_code == 401
    assert login(cloud_api, "carol@example.org", "member-password-1").status_code == 401


def test_cloud_mode_refuses_to_start_without_a_real_jwt_secret(
    postgres_url: str, moto_server: str, s3_bucket: str
) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        create_app(cloud_settings(postgres_url, moto_server, s3_bucket, "changeme"))


def test_admin_is_created_from_environment_on_first_start(cloud_api: Api) -> None:
    with cloud_api.app.state.session_factory() as session:
        users = list(session.scalars(select(User)))
    assert [(user.email, user.is_admin) for user in users] == [(ADMIN_EMAIL, True)]
    assert users[0].password_hash and users[0].password_hash.startswith("$argon2id$")
