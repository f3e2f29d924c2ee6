"""Sign-in under attack: throttling per account and address (in the database), password policy, tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from apiclient import ADMIN_EMAIL, ADMIN_PASSWORD, Api, cloud_settings
from starlette.requests import Request

from storyanalytics.api.services import login_throttle
from storyanalytics.api.services.login_throttle import client_address
from storyanalytics.config import ConfigError, Settings
from storyanalytics.db.models import LoginFailure
from storyanalytics.password_policy import PasswordRejected, check_password


def login(api: Api, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, **headers: str):  # type: ignore[no-untyped-def]
    return api.client.post("/api/auth/login", json={"email": email, "password": password}, headers=headers)


def test_an_account_past_its_failures_gets_429_with_retry_after(cloud_api: Api) -> None:
    for _ in range(login_throttle.ACCOUNT.failures):
        assert login(cloud_api, password="wrong-password-x").status_code == 401
    response = login(cloud_api)  # even the right password waits: the account is under attack
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "Too many failed sign-ins" in response.json()["detail"]


def test_the_throttle_is_kept_in_the_database_for_every_task(
    cloud_api: Api, start_api: Callable[[Settings, str], Api]
) -> None:
    for _ in range(login_throttle.ACCOUNT.failures):
        login(cloud_api, password="wrong-password-x")
    with cloud_api.app.state.session_factory() as session:
        row = session.query(LoginFailure).filter_by(scope="account", subject=ADMIN_EMAIL).one()
        assert row.failures == login_throttle.ACCOUNT.failures
    cloud_api.headers = {}
    other_task = start_api(cloud_api.settings.model_copy(update={"admin_password": None}), "cloud")
    assert login(other_task).status_code == 429


def test_an_address_past_its_failures_gets_429_for_any_account(
    cloud_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login_throttle, "ADDRESS", login_throttle.Limit("address", 3))
    for number in range(3):
        assert login(cloud_api, email=f"guess-{number}@example.org").status_code == 401
    assert login(cloud_api, email="someone-else@example.org").status_code == 429


def test_a_success_clears_the_accounts_failures(cloud_api: Api) -> None:
    for _ in range(login_throttle.ACCOUNT.failures - 1):
        login(cloud_api, password="wrong-password-x")
    assert login(cloud_api).status_code == 200
    for _ in range(login_throttle.ACCOUNT.failures - 1):
        login(cloud_api, password="wrong-password-x")
    assert login(cloud_api).status_code == 200


def request_from(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_forwarded_for_is_believed_only_through_a_trusted_proxy() -> None:
    assert client_address(request_from("203.0.113.9", "10.9.9.9"), []) == "203.0.113.9"
    assert client_address(request_from("203.0.113.9", "10.9.9.9"), ["10.0.0.0/8"]) == "203.0.113.9"
    through_proxy = request_from("10.0.1.5", "198.51.100.7, 10.0.2.2")
    assert client_address(through_proxy, ["10.0.0.0/8"]) == "198.51.100.7"
    # A client's own X-Forwarded-For entry before the proxy's is not believed.
    spoofed = request_from("10.0.1.5", "1.2.3.4, 198.51.100.7")
    assert client_address(spoofed, ["10.0.0.0/8"]) == "198.51.100.7"


def test_a_bad_trusted_proxies_setting_stops_the_app_with_a_sentence() -> None:
    from storyanalytics.config import load_settings

    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_settings(trusted_proxies="10.0.0.0/8, not-an-address", _env_file=None)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short-pw-1", "at least 12"),
        ("password1234", "common, breached"),
        ("1q2w3e4r5t6y", "common, breached"),
        ("dana.smith-garden-42", "email"),
        ("my-storyanalytics-pass", "app's name"),
    ],
)
def test_the_password_policy_names_the_rule_broken(password: str, rule: str) -> None:
    with pytest.raises(PasswordRejected, match=rule):
        check_password(password, "dana.smith@example.org")


def test_a_long_unrelated_password_is_accepted() -> None:
    check_password("violet orbit canal 1987", "dana@example.org")


def test_user_creation_and_password_change_apply_the_policy(cloud_api: Api) -> None:
    response = cloud_api.post("/api/users", json={"email": "ann@example.org", "password": "password1234"})
    assert response.status_code == 422 and "common" in response.json()["detail"]
    response = cloud_api.post(
        "/api/users/me/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "admin@example.org-2026"},
    )
    assert response.status_code == 422 and "email" in response.json()["detail"]


def test_a_weak_admin_password_stops_the_app_at_start(
    api_postgres_url: str, moto_server: str, s3_bucket: str, jwt_secret: str
) -> None:
    from fastapi.testclient import TestClient

    from storyanalytics.api import create_app

    settings = cloud_settings(api_postgres_url, moto_server, s3_bucket, jwt_secret).model_copy(
        update={"admin_password": "password1"}
    )
    with pytest.raises(ConfigError, match="ADMIN_PASSWORD is not accepted"), TestClient(create_app(settings)):
        pass


def test_tokens_issued_before_a_password_change_stop_working(cloud_api: Api) -> None:
    chart = cloud_api.chart()
    old_headers = cloud_api.headers
    other_session = cloud_api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    response = cloud_api.post(
        "/api/users/me/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "fresh lantern quiet harbour"},
    )
    assert response.status_code == 204
    for headers in (old_headers, other_session):
        for path in ("/api/auth/me", f"/api/charts/{chart['id']}"):
            answer = cloud_api.client.get(path, headers=headers)
            assert answer.status_code == 401, path
    new_headers = cloud_api.login(ADMIN_EMAIL, "fresh lantern quiet harbour")
    assert cloud_api.client.get(f"/api/charts/{chart['id']}", headers=new_headers).status_code == 200
