"""The chart gallery: every chart type with each of the four test datasets, drawn by the embed bundle in
headless Chromium at a desktop width (default theme) and at 320 px (dark theme).

Per chart: marks present, tick labels in the data's order and never overlapping, no console errors.
Screenshots go to test-output/gallery/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHART_DATA, CHART_TYPES, DIST, MARKS, ROOT

from storyanalytics.api.services.csvdata import parse_csv
from storyanalytics.api.services.export_page import render_bundle_page
from storyanalytics.api.services.themes import BUILTIN_BY_ID

pytestmark = pytest.mark.browser

DATASETS = CHART_DATA
SHOTS = ROOT / "test-output" / "gallery"
# What a user would map for each dataset; per-type choices where the default makes no sense.
MAPPINGS: dict[str, dict[str, Any]] = {
    "months_cities": {"*": {"x": "month", "y": "Berlin"}},
    "daily_365": {"*": {"x": "date", "y": "visitors"}},
    "countries_change": {
        "*": {"x": "country", "y": "change"},
        "slope": {"x": "country", "y": "change", "y2": "population"},
        "bubble": {"x": "change", "y": "population", "size": "population"},
        "scatter": {"x": "change", "y": "population"},
        "choropleth-world": {"x": "iso3", "y": "change"},
    },
    "rows_5000": {
        "*": {"x": "group", "y": "score"},
        "scatter": {"x": "score", "y": "income"},
        "bubble": {"x": "score", "y": "income", "size": "weight"},
        "histogram": {"x": "score", "y": "score"},
    },
}
AXES = ("x-axis", "y-axis", "fx-axis", "fy-axis")


@pytest.fixture(scope="module")
def gallery(web_dist: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One standalone embed page per dataset, chart type and theme, drawn offline from a file."""
    folder = tmp_path_factory.mktemp("gallery")
    for csv in sorted(DATASETS.glob("*.csv")):
        parsed = parse_csv(csv.read_bytes())
        for chart_type in CHART_TYPES:
            mapping = MAPPINGS[csv.stem].get(chart_type, MAPPINGS[csv.stem]["*"])
            for theme in ("default", "dark"):
                document = {
                    "public_id": None,
                    "title": f"{csv.stem} as {chart_type}",
                    "description": "",
                    "chart_type": chart_type,
                    "config": {"mapping": mapping, "source": "tests/data/charts"},
                    "data": {"columns": parsed.columns, "rows": parsed.records()},
                    "theme": BUILTIN_BY_ID[theme].model_dump(),
                }
                page = render_bundle_page(DIST, json.loads(json.dumps(document, default=str)))
                (folder / f"{csv.stem}-{chart_type}-{theme}.html").write_bytes(page)
    return folder


def _data_order(dataset: str, column: str) -> list[str]:
    parsed = parse_csv((DATASETS / f"{dataset}.csv").read_bytes())
    seen: dict[str, None] = {}
    for row in parsed.records():
        seen.setdefault(str(row[column]), None)
    return list(seen)


def _overlaps(boxes: list[dict[str, float]]) -> list[tuple[int, int]]:
    found = []
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if (
                a["x"] + a["width"] - 0.5 > b["x"]
                and b["x"] + b["width"] - 0.5 > a["x"]
                and a["y"] + a["height"] - 0.5 > b["y"]
                and b["y"] + b["height"] - 0.5 > a["y"]
            ):
                found.append((i, j))
    return found


TITLES_JS = """(axis) => [...document.querySelectorAll(`g[aria-label="${axis} label"] text`)]
  .map((t) => { const r = t.getBoundingClientRect();
    return { text: t.textContent, x: r.x, y: r.y, width: r.width, height: r.height }; })"""
TICKS_JS = """(axis) => [...document.querySelectorAll(`g[aria-label="${axis} tick label"] text`)]
  .filter((t) => t.textContent)
  .map((t) => { const r = t.getBoundingClientRect();
    return { text: t.textContent, x: r.x, y: r.y, width: r.width, height: r.height }; })"""


def _check_axes(page, where: str, order: list[str], in_order: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Tick labels never overlap (nor the axis titles); category labels read in the data's order."""
    titles = [box for axis in AXES for box in page.evaluate(TITLES_JS, axis)]
    for axis in AXES:
        ticks = page.evaluate(TICKS_JS, axis)
        on_title = [
            (t["text"], ticks[j]["text"])
            for t in titles
            for j in range(len(ticks))
            if _overlaps([t, ticks[j]])
        ]
        assert not on_title, f"{where}: axis title on {axis} labels: {on_title[:3]}"
        clashes = [(ticks[i]["text"], ticks[j]["text"]) for i, j in _overlaps(ticks)]
        assert not clashes, f"{where}: {axis} labels overlap: {clashes[:3]}"
        # Each label once, where it first appears (small multiples repeat the axis per panel).
        labels = list(dict.fromkeys(t["text"] for t in ticks))
        positions = [order.index(text) for text in labels if text in order]
        if axis in in_order:
            assert positions == sorted(positions), f"{where}: {axis} labels out of data order: {labels}"


@pytest.mark.parametrize("chart_type", CHART_TYPES)
@pytest.mark.parametrize("dataset", sorted(MAPPINGS))
def test_every_type_draws_each_dataset_readably(  # type: ignore[no-untyped-def]
    browser, gallery: Path, dataset: str, chart_type: str
) -> None:
    mapping = MAPPINGS[dataset].get(chart_type, MAPPINGS[dataset]["*"])
    order = _data_order(dataset, mapping["x"])
    in_order = (
        ("x-axis", "fx-axis", "y-axis")
        if chart_type in ("bar", "stacked-bar", "dot-plot")
        else ("x-axis", "fx-axis")
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    for theme, width in (("default", 900), ("dark", 320)):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto((gallery / f"{dataset}-{chart_type}-{theme}.html").as_uri())
        page.locator("body[data-state=ready]").wait_for(timeout=15_000)
        page.locator(".sa-map-loading").wait_for(state="detached", timeout=15_000)
        where = f"{dataset} as {chart_type} at {width}px ({theme})"
        problem = page.locator(".sa-chart-error")
        assert problem.count() == 0, f"{where}: {problem.inner_text()}"
        assert page.locator(".sa-chart").locator(MARKS).count() > 0, f"{where}: no marks"
        _check_axes(page, where, order, in_order)
        assert errors == [], f"{where}: console errors {errors}"
        shot = SHOTS / f"{dataset}-{chart_type}-{width}-{theme}.png"
        page.locator(".sa-figure").screenshot(path=str(shot))
        context.close()
