"""/api/settings: everyone reads, admins write, validated, stored in settings.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager

from apiclient import Api


def test_settings_start_with_defaults(api: Api) -> None:
    response = api.get("/api/settings")
    assert response.status_code == 200
    assert response.json()["site_title"] == "Story Analytics"
    assert response.json()["default_embed_origins"] == ["*"]


def test_admin_update_is_merged_stored_and_returned(api: Api) -> None:
    response = api.put("/api/settings", json={"site_title": "Newsroom charts", "number_format": "1.234,56"})
    assert response.status_code == 200, response.text
    assert response.json()["site_title"] == "Newsroom charts"
    again = api.put("/api/settings", json={"locale": "de-DE"}).json()
    assert again["site_title"] == "Newsroom charts" and again["locale"] == "de-DE"
    assert api.get("/api/settings").json() == again


def test_settings_file_holds_the_settings(local_api: Api) -> None:
    local_api.put("/api/settings", json={"footer_text": "Made by us"})
    stored = json.loads((local_api.settings.data_dir / "settings.json").read_text())
    assert stored["footer_text"] == "Made by us"


def test_unknown_keys_are_refused_and_nothing_changes(api: Api) -> None:
    response = api.put("/api/settings", json={"site_title": "X", "colour": "red"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("unknown setting colour: use only site_title")
    assert api.get("/api/settings").json()["site_title"] == "Story Analytics"


def test_bad_values_and_bodies_are_422_with_a_sentence(api: Api) -> None:
    response = api.put("/api/settings", json={"default_theme": "neon"})
    assert response.status_code == 422 and "built-in theme" in response.json()["detail"]
    response = api.put("/api/settings", content=b"{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "not valid JSON" in response.json()["detail"]
    assert api.put("/api/settings", json=["site_title"]).status_code == 422


def test_a_change_the_database_fails_to_mirror_is_not_kept(
    api: Api, failing_database_writes: Callable[[Api], AbstractContextManager[None]]
) -> None:
    assert api.put("/api/settings", json={"site_title": "Before"}).status_code == 200
    with failing_database_writes(api):
        assert api.put("/api/settings", json={"site_title": "After"}).status_code == 503
    assert api.get("/api/settings").json()["site_title"] == "Before"


def test_members_read_but_cannot_write(cloud_api: Api) -> None:
    member = cloud_api.new_user()
    assert cloud_api.client.get("/api/settings", headers=member).status_code == 200
    response = cloud_api.client.put("/api/settings", json={"site_title": "Mine"}, headers=member)
    assert response.status_code == 403


def test_settings_need_a_token_in_cloud_mode(cloud_api: Api) -> None:
    assert cloud_api.client.get("/api/settings").status_code == 401
