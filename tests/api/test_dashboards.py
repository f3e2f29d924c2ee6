"""/api/dashboards: CRUD, ordered layouts of the team's charts, optimistic versions, publish."""

from __future__ import annotations

from typing import Any

from apiclient import Api
from publishing_helpers import chart_with_data


def dashboard(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("/api/dashboards", json={"title": "Board", **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_create_get_and_list_keep_the_layout_order(api: Api) -> None:
    first, second = api.chart(title="One"), api.chart(title="Two")
    layout = [
        {"chart_id": second["id"], "width": 12, "height": 300},
        {"chart_id": first["id"], "width": 4, "height": 500},
    ]
    created = dashboard(api, layout=layout, description="Weekly")
    assert created["version"] == 1 and created["layout"] == layout and not created["is_published"]
    assert api.get(f"/api/dashboards/{created['id']}").json() == created
    assert [d["id"] for d in api.get("/api/dashboards").json()] == [created["id"]]
    assert api.get("/api/dashboards", params={"q": "boa"}).json()[0]["id"] == created["id"]


def test_layout_sizes_default_and_are_bounded(api: Api) -> None:
    chart = api.chart()
    created = dashboard(api, layout=[{"chart_id": chart["id"]}])
    assert created["layout"] == [{"chart_id": chart["id"], "width": 6, "height": 360}]
    response = api.post("/api/dashboards", json={"layout": [{"chart_id": chart["id"], "width": 13}]})
    assert response.status_code == 422 and "width" in response.json()["detail"]


def test_layout_with_an_unknown_chart_is_422(api: Api) -> None:
    response = api.post("/api/dashboards", json={"layout": [{"chart_id": "f" * 32}]})
    assert response.status_code == 422 and "same team" in response.json()["detail"]


def test_update_bumps_the_version_and_stale_updates_are_409(api: Api) -> None:
    created = dashboard(api)
    chart = api.chart()
    updated = api.patch(
        f"/api/dashboards/{created['id']}",
        json={"version": 1, "title": "New", "layout": [{"chart_id": chart["id"]}]},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.json()["title"] == "New"
    stale = api.patch(f"/api/dashboards/{created['id']}", json={"version": 1, "title": "Lost"})
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]
    assert api.get(f"/api/dashboards/{created['id']}").json()["title"] == "New"


def test_update_accepts_if_match_and_requires_a_version(api: Api) -> None:
    created = dashboard(api)
    assert api.patch(f"/api/dashboards/{created['id']}", json={"title": "X"}).status_code == 422
    response = api.patch(f"/api/dashboards/{created['id']}", json={"title": "X"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200 and response.json()["version"] == 2


def test_delete_removes_the_dashboard_but_not_its_charts(api: Api) -> None:
    chart = api.chart()
    created = dashboard(api, layout=[{"chart_id": chart["id"]}])
    assert api.delete(f"/api/dashboards/{created['id']}").status_code == 204
    assert api.get(f"/api/dashboards/{created['id']}").status_code == 404
    assert api.get(f"/api/charts/{chart['id']}").status_code == 200


def test_published_dashboard_carries_its_charts_and_404s_after_unpublish(api: Api) -> None:
    chart = chart_with_data(api, title="Inside")
    created = dashboard(api, layout=[{"chart_id": chart["id"], "width": 12, "height": 400}])
    info = api.post(f"/api/dashboards/{created['id']}/publish").json()
    assert info["public_version"] == 1 and info["public_url"] == f"/embed/{info['public_id']}?kind=dashboard"
    public = api.client.get(info["api_url"])
    assert public.status_code == 200 and public.headers["etag"]
    body = public.json()
    assert body["title"] == "Board" and body["layout"][0]["chart_id"] == chart["id"]
    assert body["charts"][chart["id"]]["title"] == "Inside"
    assert body["charts"][chart["id"]]["data"]["rows"][0] == {"country": "France", "value": 3}
    assert api.post(f"/api/dashboards/{created['id']}/publish").json()["public_id"] == info["public_id"]
    assert api.delete(f"/api/dashboards/{created['id']}/publish").status_code == 204
    assert api.client.get(info["api_url"]).status_code == 404


def test_other_teams_cannot_see_or_use_dashboards_and_charts(cloud_api: Api) -> None:
    mine = cloud_api.chart()
    created = dashboard(cloud_api, layout=[{"chart_id": mine["id"]}])
    other = cloud_api.new_user()
    assert cloud_api.client.get(f"/api/dashboards/{created['id']}", headers=other).status_code == 404
    assert cloud_api.client.get("/api/dashboards", headers=other).json() == []
    response = cloud_api.client.post(
        "/api/dashboards", json={"layout": [{"chart_id": mine["id"]}]}, headers=other
    )
    assert response.status_code == 422
    assert cloud_api.client.post(f"/api/dashboards/{created['id']}/publish", headers=other).status_code == 404


def test_dashboards_need_a_token_in_cloud_mode(cloud_api: Api) -> None:
    assert cloud_api.client.get("/api/dashboards").status_code == 401
