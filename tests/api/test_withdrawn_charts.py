"""A published dashboard stops serving a chart's data the moment that chart is deleted or unpublished."""

from __future__ import annotations

from typing import Any

from apiclient import Api
from publishing_helpers import chart_with_data, publish


def published_dashboard(api: Api, chart_ids: list[str]) -> str:
    layout = [{"chart_id": chart_id, "width": 6, "height": 360} for chart_id in chart_ids]
    dashboard = api.post("/api/dashboards", json={"title": "Board", "layout": layout}).json()
    response = api.post(f"/api/dashboards/{dashboard['id']}/publish")
    assert response.status_code == 200, response.text
    public_id: str = response.json()["public_id"]
    return public_id


def public_charts(api: Api, public_id: str) -> dict[str, Any]:
    response = api.client.get(f"/api/public/dashboards/{public_id}")
    assert response.status_code == 200, response.text
    charts: dict[str, Any] = response.json()["charts"]
    return charts


def test_a_deleted_charts_data_leaves_the_published_dashboard_at_once(api: Api) -> None:
    kept, deleted = chart_with_data(api), chart_with_data(api)
    public_id = published_dashboard(api, [kept["id"], deleted["id"]])
    assert set(public_charts(api, public_id)) == {kept["id"], deleted["id"]}
    assert api.delete(f"/api/charts/{deleted['id']}").status_code in (200, 204)
    assert set(public_charts(api, public_id)) == {kept["id"]}


def test_an_unpublished_charts_data_leaves_the_published_dashboard_at_once(api: Api) -> None:
    chart = chart_with_data(api)
    publish(api, chart["id"])
    public_id = published_dashboard(api, [chart["id"]])
    assert chart["id"] in public_charts(api, public_id)
    assert api.delete(f"/api/charts/{chart['id']}/publish").status_code in (200, 204)
    assert public_charts(api, public_id) == {}


def test_a_dashboard_with_a_deleted_chart_still_opens_and_saves(api: Api) -> None:
    kept, deleted = chart_with_data(api), chart_with_data(api)
    layout = [{"chart_id": chart["id"], "width": 6, "height": 360} for chart in (kept, deleted)]
    dashboard = api.post("/api/dashboards", json={"title": "Board", "layout": layout}).json()
    assert api.delete(f"/api/charts/{deleted['id']}").status_code in (200, 204)
    opened = api.get(f"/api/dashboards/{dashboard['id']}")
    assert opened.status_code == 200
    saved = api.patch(
        f"/api/dashboards/{dashboard['id']}",
        json={"title": "Renamed", "layout": layout, "version": opened.json()["version"]},
    )
    assert saved.status_code == 200, saved.text
    removed = api.patch(
        f"/api/dashboards/{dashboard['id']}", json={"layout": layout[:1], "version": saved.json()["version"]}
    )
    assert removed.status_code == 200 and [tile["chart_id"] for tile in removed.json()["layout"]] == [
        kept["id"]
    ]


def test_a_new_tile_still_needs_a_chart_of_the_team(api: Api) -> None:
    chart = chart_with_data(api)
    tile = {"chart_id": chart["id"], "width": 6, "height": 360}
    dashboard = api.post("/api/dashboards", json={"title": "Board", "layout": [tile]}).json()
    ghost = {**tile, "chart_id": "f" * 32}
    response = api.patch(
        f"/api/dashboards/{dashboard['id']}", json={"layout": [tile, ghost], "version": dashboard["version"]}
    )
    assert response.status_code == 422
