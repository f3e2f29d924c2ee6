"""Helpers for the dashboards / themes / templates / snapshots / exports / publish / public route tests."""

from __future__ import annotations

import io
from typing import Any

from apiclient import Api
from PIL import Image

CSV = "country,value\nFrance,3\nSpain,5\nItaly,2\n"


def png_bytes(width: int = 120, height: int = 80, color: str = "#3366cc") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def upload_csv(api: Api, chart_id: str, text: str = CSV, headers: dict[str, str] | None = None) -> None:
    response = api.request(
        "PUT",
        f"/api/charts/{chart_id}/data",
        content=text.encode(),
        headers={"Content-Type": "text/csv", **(headers or {})},
    )
    assert response.status_code == 200, response.text


def chart_with_data(api: Api, text: str = CSV, **body: Any) -> dict[str, Any]:
    """A column chart mapped to the CSV's columns, with the CSV uploaded."""
    body.setdefault("chart_type", "column")
    body.setdefault("config", {"mapping": {"x": "country", "y": "value"}, "source": "Survey"})
    chart = api.chart(**body)
    upload_csv(api, chart["id"], text)
    return chart


def publish(api: Api, chart_id: str) -> dict[str, Any]:
    response = api.post(f"/api/charts/{chart_id}/publish")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def team_id(api: Api, headers: dict[str, str] | None = None) -> str:
    teams = api.client.get("/api/teams", headers=headers if headers is not None else api.headers).json()
    return str(teams[0]["id"])
