"""/api/folders: nesting, moving, no cycles, deleting keeps the charts."""

from __future__ import annotations

from apiclient import Api


def folder(api: Api, name: str, parent_id: str | None = None) -> str:
    response = api.post("/api/folders", json={"name": name, "parent_id": parent_id})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_folders_nest(api: Api) -> None:
    top = folder(api, "Top")
    child = folder(api, "Child", top)
    listed = {f["id"]: f["parent_id"] for f in api.get("/api/folders").json()}
    assert listed == {top: None, child: top}


def test_folder_can_move_and_rename(api: Api) -> None:
    a, b = folder(api, "A"), folder(api, "B")
    moved = api.patch(f"/api/folders/{b}", json={"parent_id": a, "name": "B2"}).json()
    assert moved["parent_id"] == a and moved["name"] == "B2"
    assert api.patch(f"/api/folders/{b}", json={"parent_id": None}).json()["parent_id"] is None


def test_folder_cannot_move_under_its_own_descendant(api: Api) -> None:
    a = folder(api, "A")
    b = folder(api, "B", a)
    c = folder(api, "C", b)
    response = api.patch(f"/api/folders/{a}", json={"parent_id": c})
    assert response.status_code == 422
    assert "itself" in response.json()["detail"]
    assert api.patch(f"/api/folders/{a}", json={"parent_id": a}).status_code == 422


def test_deleting_a_folder_keeps_its_charts_at_top_level(api: Api) -> None:
    a = folder(api, "A")
    b = folder(api, "B", a)
    chart = api.chart(folder_id=b)
    assert api.delete(f"/api/folders/{a}").status_code == 204
    assert api.get("/api/folders").json() == []
    assert api.get(f"/api/charts/{chart['id']}").json()["folder_id"] is None


def test_parent_in_another_team_is_404(cloud_api: Api) -> None:
    outsider = cloud_api.new_user()
    theirs = cloud_api.client.post("/api/folders", headers=outsider, json={"name": "Theirs"}).json()["id"]
    assert cloud_api.post("/api/folders", json={"name": "X", "parent_id": theirs}).status_code == 404
    mine = folder(cloud_api, "Mine")
    assert cloud_api.patch(f"/api/folders/{mine}", json={"parent_id": theirs}).status_code == 404


def test_chart_cannot_move_into_another_teams_folder(cloud_api: Api) -> None:
    outsider = cloud_api.new_user()
    theirs = cloud_api.client.post("/api/folders", headers=outsider, json={"name": "Theirs"}).json()["id"]
    chart = cloud_api.chart()
    response = cloud_api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "folder_id": theirs})
    assert response.status_code == 404
