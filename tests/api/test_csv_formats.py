"""Numbers and dates as people write them: locale, formats, the day/month question, and the user's say."""

from __future__ import annotations

import pytest
from apiclient import Api

from storyanalytics.api.services.csvdata import parse_csv


def column(parsed, name: str) -> list[object]:  # type: ignore[no-untyped-def]
    index = [c["name"] for c in parsed.columns].index(name)
    return [row[index] for row in parsed.rows]


def test_semicolon_file_with_decimal_commas_reads_as_a_german_locale() -> None:
    parsed = parse_csv(b"land;wert\nDeutschland;1.234,5\nFrankreich;-2,5\nItalien;12\n")
    assert parsed.locale == "1.234,5"
    assert column(parsed, "wert") == [1234.5, -2.5, 12]
    assert parsed.columns[1] == {"name": "wert", "type": "number", "format": {"decimal": ","}}


@pytest.mark.parametrize(
    ("written", "value"),
    [("1,234.5", 1234.5), ("12%", 12), ("$1,200", 1200), ("(45)", -45), ("1.2k", 1200), ("€3M", 3_000_000)],
)
def test_numbers_as_people_write_them(written: str, value: float) -> None:
    parsed = parse_csv(f'a,n\nx,"{written}"\ny,7\n'.encode())
    assert parsed.columns[1]["type"] == "number"
    assert column(parsed, "n") == [value, 7]


@pytest.mark.parametrize(
    ("written", "iso"),
    [("Jan 2024", "2024-01"), ("2024-Q2", "2024-04"), ("Q3 2024", "2024-07"), ("2024-03", "2024-03")],
)
def test_month_and_quarter_dates(written: str, iso: str) -> None:
    parsed = parse_csv(f"when,v\n{written},1\n".encode())
    assert parsed.columns[0]["type"] == "date"
    assert column(parsed, "when") == [iso]


def test_quarters_say_so_for_their_labels() -> None:
    parsed = parse_csv(b"q,v\n2024-Q1,1\n2024-Q2,2\n")
    assert parsed.columns[0]["format"] == {"unit": "quarter"}


def test_day_month_order_comes_from_the_whole_column() -> None:
    parsed = parse_csv(b"d,v\n03/04/2024,1\n25/04/2024,2\n")
    assert column(parsed, "d") == ["2024-04-03", "2024-04-25"]
    assert parsed.columns[0]["format"] == {"date_order": "dmy"}


def test_an_undecidable_day_month_column_says_it_is_ambiguous() -> None:
    parsed = parse_csv(b"d,v\n03/04/2024,1\n05/06/2024,2\n")
    assert parsed.columns[0]["format"] == {"date_order": "mdy", "ambiguous": True}
    assert column(parsed, "d") == ["2024-03-04", "2024-05-06"]


def test_whole_numbers_stay_integers_and_decimals_stay_decimals() -> None:
    parsed = parse_csv(b"a,n\nx,7\ny,7.5\nz,2020\n")
    assert column(parsed, "n") == [7, 7.5, 2020]
    assert isinstance(column(parsed, "n")[0], int)


# --- the user's say, through the API -------------------------------------------------------------------
def _chart_with(api: Api, csv: bytes) -> str:
    chart = api.chart()
    response = api.put(f"/api/charts/{chart['id']}/data", content=csv, headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    return str(chart["id"])


def test_upload_reports_the_locale_and_each_columns_format(api: Api) -> None:
    chart = api.chart()
    body = api.put(
        f"/api/charts/{chart['id']}/data",
        content=b"d;v\n03/04/2024;1,5\n05/06/2024;2\n",
        headers={"content-type": "text/csv"},
    ).json()
    assert body["locale"] == "1.234,5"
    assert body["columns"][0]["format"] == {"date_order": "dmy", "ambiguous": True}
    assert body["preview"][0] == ["2024-04-03", 1.5]


def test_user_switches_day_month_order_and_the_chart_reads_it_so(api: Api) -> None:
    chart_id = _chart_with(api, b"d,v\n03/04/2024,1\n05/06/2024,2\n")
    response = api.put(f"/api/charts/{chart_id}/data/format", json={"date_order": "dmy"})
    assert response.status_code == 200, response.text
    assert response.json()["columns"][0]["format"] == {"date_order": "dmy"}
    rows = api.get(f"/api/charts/{chart_id}/data").json()["rows"]
    assert [r["d"] for r in rows] == ["2024-04-03", "2024-06-05"]


def test_a_column_forced_to_a_type_names_the_rows_it_cannot_read(api: Api) -> None:
    chart_id = _chart_with(api, b"name,v\nx,1\ny,n/a\nz,3\nw,unknown\n")
    response = api.put(f"/api/charts/{chart_id}/data/format", json={"types": {"v": "number"}})
    body = response.json()
    assert body["problems"] == [
        {"column": "v", "type": "number", "rows": [2, 4], "values": ["n/a", "unknown"], "count": 2}
    ]
    assert [r["v"] for r in api.get(f"/api/charts/{chart_id}/data").json()["rows"]] == [1, None, 3, None]


def test_format_for_an_unknown_column_or_a_chart_without_data_is_refused(api: Api) -> None:
    chart_id = _chart_with(api, b"a,v\nx,1\n")
    response = api.put(f"/api/charts/{chart_id}/data/format", json={"types": {"nope": "number"}})
    assert response.status_code == 422 and "nope" in response.json()["detail"]
    empty = api.chart()
    assert api.put(f"/api/charts/{empty['id']}/data/format", json={"decimal": ","}).status_code == 409
