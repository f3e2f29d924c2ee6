"""Helpers for the dashboards / themes / templates / snapshots / exports / publish / public route tests."""

from __future__ import annotations

import io
from typing import Any

import httpx
from apiclient import Api
from PIL import Image

CDN = "https://d111111abcdef8.cloudfront.net"  # the edge URL the edge tests configure
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


def put_snapshot(
    api: Api, chart_id: str, body: bytes, kind: str = "", content_type: str = "image/png"
) -> httpx.Response:
    """PUT the chart's snapshot: the PNG, or with `kind` its "slide" PNG or "vector" SVG."""
    path = f"/api/charts/{chart_id}/snapshot" + (f"/{kind}" if kind else "")
    return api.put(path, content=body, headers={"Content-Type": content_type})


def publish(api: Api, chart_id: str) -> dict[str, Any]:
    response = api.post(f"/api/charts/{chart_id}/publish")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def team_id(api: Api, headers: dict[str, str] | None = None) -> str:
    teams = api.client.get("/api/teams", headers=headers if headers is not None else api.headers).json()
    return str(teams[0]["id"])


def edge_keys(s3_client: Any, bucket: str, contains: str = "") -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket, Prefix="public/")
    return sorted(i["Key"] for i in listing.get("Contents", []) if contains in i["Key"])


def dashboard_with(api: Api, chart_ids: list[str]) -> dict[str, Any]:
    response = api.post(
        "/api/dashboards", json={"title": "Board", "layout": [{"chart_id": c} for c in chart_ids]}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
