"""/api/templates: save a chart's setup as a template, start charts from it."""

from __future__ import annotations

from apiclient import Api


def test_saving_a_chart_as_a_template_copies_its_setup(api: Api) -> None:
    config = {
        "mapping": {"x": "year", "y": "sales"},
        "source": "Ledger",
        "notes": "",
        "options": {"stack": True},
    }
    chart = api.chart(title="Sales", chart_type="line", theme_id="ocean", config=config)
    response = api.post(
        "/api/templates", json={"chart_id": chart["id"], "name": "Trend", "description": "Yearly"}
    )
    assert response.status_code == 201, response.text
    template = response.json()
    assert (
        template["config"] == config and template["chart_type"] == "line" and template["theme_id"] == "ocean"
    )
    assert template["source_chart_id"] == chart["id"] and template["description"] == "Yearly"
    assert api.get(f"/api/templates/{template['id']}").json() == template
    assert [t["name"] for t in api.get("/api/templates").json()] == ["Trend"]


def test_template_is_independent_of_later_chart_edits(api: Api) -> None:
    chart = api.chart(config={"mapping": {"x": "a"}, "source": "v1"})
    template = api.post("/api/templates", json={"chart_id": chart["id"], "name": "T"}).json()
    api.patch(f"/api/charts/{chart['id']}", json={"version": 1, "config": {"source": "v2"}})
    assert api.get(f"/api/templates/{template['id']}").json()["config"]["source"] == "v1"


def test_creating_a_chart_from_a_template(api: Api) -> None:
    source = api.chart(chart_type="pie", theme_id="pastel", config={"mapping": {"x": "k", "y": "v"}})
    template = api.post("/api/templates", json={"chart_id": source["id"], "name": "Shares"}).json()
    response = api.post(f"/api/templates/{template['id']}/charts", json={})
    assert response.status_code == 201, response.text
    chart = response.json()
    assert chart["id"] != source["id"] and chart["title"] == "Shares" and chart["version"] == 1
    assert (
        chart["chart_type"] == "pie"
        and chart["theme_id"] == "pastel"
        and chart["config"]["mapping"]["x"] == "k"
    )
    assert chart["data"] is None
    titled = api.post(f"/api/templates/{template['id']}/charts", json={"title": "Q3 shares"}).json()
    assert titled["title"] == "Q3 shares"


def test_deleting_a_template_keeps_its_charts(api: Api) -> None:
    template = api.post("/api/templates", json={"chart_id": api.chart()["id"], "name": "T"}).json()
    chart = api.post(f"/api/templates/{template['id']}/charts").json()
    assert api.delete(f"/api/templates/{template['id']}").status_code == 204
    assert api.get(f"/api/templates/{template['id']}").status_code == 404
    assert api.get(f"/api/charts/{chart['id']}").status_code == 200


def test_template_of_an_unknown_chart_is_404(api: Api) -> None:
    assert api.post("/api/templates", json={"chart_id": "0" * 32, "name": "T"}).status_code == 404
    assert api.post("/api/templates", json={"chart_id": "0" * 32}).status_code == 422


def test_other_teams_templates_are_404(cloud_api: Api) -> None:
    template = cloud_api.post(
        "/api/templates", json={"chart_id": cloud_api.chart()["id"], "name": "T"}
    ).json()
    other = cloud_api.new_user()
    assert cloud_api.client.get(f"/api/templates/{template['id']}", headers=other).status_code == 404
    assert cloud_api.client.post(f"/api/templates/{template['id']}/charts", headers=other).status_code == 404
    assert cloud_api.client.get("/api/templates", headers=other).json() == []
