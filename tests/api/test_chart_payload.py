"""A chart's rows past the row limit: reduced on the server by chart type, with a note that says so."""

from __future__ import annotations

from typing import Any

import pytest
from apiclient import Api
from publishing_helpers import chart_with_data, publish

from storyanalytics.api.services import chart_payload

LIMIT = 200
ROWS = 2_000


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_payload, "MAX_ROWS", LIMIT)


def many_rows() -> str:
    """Day i: a city (30 of them), a value rising with i and one spike, and a size."""
    lines = ["day,city,value,size"]
    for i in range(ROWS):
        value = 5000 if i == 1234 else (-700 if i == 77 else i % 97)
        lines.append(f"{2000 + i // 365}-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d},City {i % 30},{value},{i}")
    return "\n".join(lines) + "\n"


def drawn(api: Api, chart_type: str, mapping: dict[str, Any]) -> dict[str, Any]:
    chart = chart_with_data(api, many_rows(), chart_type=chart_type, config={"mapping": mapping})
    response = api.get(f"/api/charts/{chart['id']}/data")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_data_under_the_limit_is_sent_whole(local_api: Api) -> None:
    chart = chart_with_data(local_api)
    body = local_api.get(f"/api/charts/{chart['id']}/data").json()
    assert body["reduced"] is None and body["total_rows"] == len(body["rows"]) == 3


def test_a_long_line_keeps_its_peaks_and_dips_within_the_limit(local_api: Api) -> None:
    body = drawn(local_api, "line", {"x": "day", "y": "value"})
    values = [row["value"] for row in body["rows"]]
    assert len(values) <= LIMIT and 5000 in values and -700 in values
    assert (
        body["reduced"]["note"]
        == f"Showing {len(values)} of {ROWS:,} rows (each stretch's highest and lowest values)."
    )


def test_bars_sum_every_row_and_fold_the_smallest_categories_into_other(local_api: Api) -> None:
    body = drawn(local_api, "pie", {"x": "city", "y": "value"})
    rows = body["rows"]
    assert len(rows) <= chart_payload.TOP_CATEGORIES["pie"]
    assert "Other" in [row["city"] for row in rows]
    total = sum(5000 if i == 1234 else (-700 if i == 77 else i % 97) for i in range(ROWS))
    assert sum(row["value"] for row in rows) == total
    assert body["reduced"]["method"] == "summed"


def test_a_histogram_counts_every_row_in_bins(local_api: Api) -> None:
    body = drawn(local_api, "histogram", {"x": "value"})
    assert sum(row["__count"] for row in body["rows"]) == ROWS
    assert len(body["rows"]) <= chart_payload.BINS
    assert body["reduced"]["note"].startswith(f"Showing {len(body['rows'])} of {ROWS:,} rows")


def test_a_scatter_shows_the_same_fixed_sample_every_time(local_api: Api) -> None:
    chart = chart_with_data(
        local_api, many_rows(), chart_type="scatter", config={"mapping": {"x": "size", "y": "value"}}
    )
    first = local_api.get(f"/api/charts/{chart['id']}/data").json()
    again = local_api.get(f"/api/charts/{chart['id']}/data").json()
    assert len(first["rows"]) == LIMIT and first["rows"] == again["rows"]
    assert first["reduced"]["method"] == "sampled"


def test_a_table_shows_the_first_rows(local_api: Api) -> None:
    body = drawn(local_api, "table", {})
    assert [row["size"] for row in body["rows"]] == list(range(LIMIT))


def test_the_editor_can_ask_for_its_unsaved_type_and_mapping(local_api: Api) -> None:
    chart = chart_with_data(
        local_api, many_rows(), chart_type="line", config={"mapping": {"x": "day", "y": "value"}}
    )
    response = local_api.get(
        f"/api/charts/{chart['id']}/data", params={"chart_type": "histogram", "mapping": '{"x": "value"}'}
    )
    assert response.json()["reduced"]["method"] == "binned"
    bad = local_api.get(f"/api/charts/{chart['id']}/data", params={"mapping": "[1]"})
    assert bad.status_code == 422 and "JSON object" in bad.json()["detail"]


def test_the_published_payload_is_the_reduced_one(local_api: Api) -> None:
    chart = chart_with_data(
        local_api, many_rows(), chart_type="scatter", config={"mapping": {"x": "size", "y": "value"}}
    )
    public_id = publish(local_api, chart["id"])["public_id"]
    data = local_api.get(f"/api/public/charts/{public_id}").json()["data"]
    assert len(data["rows"]) == LIMIT and data["reduced"]["of"] == ROWS
