"""/api/users: admins manage accounts; everyone changes their own password."""

from __future__ import annotations

from apiclient import ADMIN_EMAIL, ADMIN_PASSWORD, Api


def test_admin_creates_and_lists_users(api: Api) -> None:
    response = api.post(
        "/api/users", json={"email": "Dana@Example.org", "password": "long-enough-1", "display_name": "Dana"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "dana@example.org" and body["display_name"] == "Dana"
    assert body["is_admin"] is False and body["is_active"] is True
    assert [team["role"] for team in body["teams"]] == ["owner"]
    emails = [user["email"] for user in api.get("/api/users").json()]
    assert "dana@example.org" in emails


def test_duplicate_email_is_409(api: Api) -> None:
    api.post("/api/users", json={"email": "eve@example.org", "password": "long-enough-1"})
    response = api.post("/api/users", json={"email": "EVE@example.org", "password": "long-enough-1"})
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


def test_short_password_and_bad_email_are_422(api: Api) -> None:
    assert api.post("/api/users", json={"email": "x@example.org", "password": "short"}).status_code == 422
    assert (
        api.post("/api/users", json={"email": "not-an-email", "password": "long-enough-1"}).status_code == 422
    )


def test_non_admin_cannot_manage_users(cloud_api: Api) -> None:
    headers = cloud_api.new_user()
    assert cloud_api.client.get("/api/users", headers=headers).status_code == 403
    created = cloud_api.client.post(
        "/api/users", headers=headers, json={"email": "x@example.org", "password": "long-enough-1"}
    )
    assert created.status_code == 403


def test_admin_disables_and_enables_a_user(api: Api) -> None:
    user = api.post("/api/users", json={"email": "fay@example.org", "password": "long-enough-1"}).json()
    assert api.patch(f"/api/users/{user['id']}", json={"is_active": False}).json()["is_active"] is False
    assert api.patch(f"/api/users/{user['id']}", json={"is_active": True}).json()["is_active"] is True


def test_last_active_admin_cannot_be_disabled(cloud_api: Api) -> None:
    me = cloud_api.get("/api/auth/me").json()
    response = cloud_api.patch(f"/api/users/{me['id']}", json={"is_active": False})
    assert response.status_code == 409
    assert "last active admin" in response.json()["detail"]


def test_unknown_user_is_404(api: Api) -> None:
    assert api.patch("/api/users/" + "0" * 32, json={"display_name": "x"}).status_code == 404


def test_user_changes_own_password(cloud_api: Api) -> None:
    headers = cloud_api.new_user("gus@example.org", "first-password-1")
    response = cloud_api.client.post(
        "/api/users/me/password",
        headers=headers,
        json={"current_password": "first-password-1", "new_password": "second-password-2"},
    )
    assert response.status_code == 204
    assert (
        cloud_api.client.post(
            "/api/auth/login", json={"email": "gus@example.org", "password": "first-password-1"}
        ).status_code
        == 401
    )
    assert cloud_api.login("gus@example.org", "second-password-2")


def test_wrong_current_password_is_refused(cloud_api: Api) -> None:
    response = cloud_api.post(
        "/api/users/me/password",
        json={"current_password": "wrong-one-1", "new_password": "second-password-2"},
    )
    assert response.status_code == 403
    assert cloud_api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
