"""/api/teams: roles, members, and the embed allowlist."""

from __future__ import annotations

from apiclient import Api


def my_team_id(api: Api, headers: dict[str, str] | None = None) -> str:
    teams = api.client.get("/api/teams", headers=headers or api.headers).json()
    return str(teams[0]["id"])


def test_user_sees_own_teams_with_role(api: Api) -> None:
    teams = api.get("/api/teams").json()
    assert len(teams) == 1 and teams[0]["name"] == "My team" and teams[0]["role"] == "owner"


def test_creating_a_team_makes_you_its_owner(api: Api) -> None:
    response = api.post("/api/teams", json={"name": "Newsroom"})
    assert response.status_code == 201
    team = response.json()
    assert team["role"] == "owner" and [m["role"] for m in team["members"]] == ["owner"]
    assert {t["name"] for t in api.get("/api/teams").json()} == {"My team", "Newsroom"}


def test_owner_invites_member_by_email_and_member_sees_team(cloud_api: Api) -> None:
    member = cloud_api.new_user("hal@example.org")
    team_id = my_team_id(cloud_api)
    response = cloud_api.post(
        f"/api/teams/{team_id}/members", json={"email": "hal@example.org", "role": "member"}
    )
    assert response.status_code == 201
    assert {m["email"]: m["role"] for m in response.json()["members"]}["hal@example.org"] == "member"
    assert team_id in {t["id"] for t in cloud_api.client.get("/api/teams", headers=member).json()}


def test_inviting_an_unknown_email_is_404_with_advice(api: Api) -> None:
    response = api.post(f"/api/teams/{my_team_id(api)}/members", json={"email": "ghost@example.org"})
    assert response.status_code == 404
    assert "admin" in response.json()["detail"]


def test_member_cannot_manage_the_team(cloud_api: Api) -> None:
    member = cloud_api.new_user("ivy@example.org")
    cloud_api.new_user("jo@example.org")
    team_id = my_team_id(cloud_api)
    cloud_api.post(f"/api/teams/{team_id}/members", json={"email": "ivy@example.org"})
    invite = cloud_api.client.post(
        f"/api/teams/{team_id}/members", headers=member, json={"email": "jo@example.org"}
    )
    assert invite.status_code == 403
    rename = cloud_api.client.patch(f"/api/teams/{team_id}", headers=member, json={"name": "Mine now"})
    assert rename.status_code == 403


def test_owner_changes_role_and_removes_member(cloud_api: Api) -> None:
    member = cloud_api.new_user("kim@example.org")
    member_id = cloud_api.client.get("/api/auth/me", headers=member).json()["id"]
    team_id = my_team_id(cloud_api)
    cloud_api.post(f"/api/teams/{team_id}/members", json={"email": "kim@example.org"})
    changed = cloud_api.patch(f"/api/teams/{team_id}/members/{member_id}", json={"role": "admin"})
    assert {m["user_id"]: m["role"] for m in changed.json()["members"]}[member_id] == "admin"
    assert cloud_api.delete(f"/api/teams/{team_id}/members/{member_id}").status_code == 204
    assert cloud_api.client.get(f"/api/teams/{team_id}", headers=member).status_code == 404


def test_last_owner_cannot_leave(api: Api) -> None:
    me = api.get("/api/auth/me").json()
    response = api.delete(f"/api/teams/{my_team_id(api)}/members/{me['id']}")
    assert response.status_code == 409
    assert "owner" in response.json()["detail"]


def test_another_teams_details_are_404(cloud_api: Api) -> None:
    outsider = cloud_api.new_user()
    assert cloud_api.client.get(f"/api/teams/{my_team_id(cloud_api)}", headers=outsider).status_code == 404


def test_embed_origins_are_validated_and_stored(api: Api) -> None:
    team_id = my_team_id(api)
    bad = api.patch(
        f"/api/teams/{team_id}", json={"embed_origins": ["https://ok.example", "javascript:alert(1)"]}
    )
    assert bad.status_code == 422
    good = api.patch(f"/api/teams/{team_id}", json={"embed_origins": ["https://news.example/"]})
    assert good.json()["embed_origins"] == ["https://news.example"]
    cleared = api.patch(f"/api/teams/{team_id}", json={"embed_origins": []})
    assert cleared.json()["embed_origins"] is None
