"""Web benchmark: gzipped bundle sizes (app and embed) and time to a drawn chart on the embed page.

Usage: python bench/web.py [--runs 5]
Builds web/dist when stale, starts the real app in local mode on a free port with a temporary data
folder, publishes a chart through the API, then opens /embed/<public_id> in headless Chromium with a
cold cache each run and reads the time from navigation start to the drawn chart.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
from gate import Gate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from e2e_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DIST,
    ensure_web_built,
    running_app,
)

TARGET_EMBED_KB = 150.0
TARGET_APP_KB = 400.0
TARGET_DRAW_S = 1.0
HTML_REF = re.compile(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"')
JS_IMPORT = re.compile(r'(?:import|from)\s*\(?\s*["\']\./([^"\']+\.js)["\']')


def bundle_files(page: str) -> set[Path]:
    """The assets a page loads: its script/style/modulepreload tags plus their static JS imports."""
    html = (DIST / page).read_text()
    todo = [DIST / ref for ref in HTML_REF.findall(html)]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        if path.suffix == ".js":
            todo.extend(path.parent / name for name in JS_IMPORT.findall(path.read_text()))
    return seen


def gzipped_kb(paths: set[Path]) -> float:
    return sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in paths) / 1024


def publish_sample_chart(base: str) -> str:
    rows = "\n".join(f"Region {i},{2000 + i % 20},{(i * 37) % 100 + 5},{(i * 11) % 60}" for i in range(40))
    with httpx.Client(base_url=base, timeout=30) as client:
        chart = client.post("/api/charts", json={"title": "Benchmark chart", "chart_type": "column"})
        chart.raise_for_status()
        chart_id = chart.json()["id"]
        client.put(
            f"/api/charts/{chart_id}/data",
            content=f"region,year,sales,profit\n{rows}\n",
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        current = client.get(f"/api/charts/{chart_id}").json()
        client.patch(
            f"/api/charts/{chart_id}",
            json={"version": current["version"], "config": {"mapping": {"x": "region", "y": "sales"}}},
        ).raise_for_status()
        published = client.post(f"/api/charts/{chart_id}/publish")
        published.raise_for_status()
        return str(published.json()["public_id"])


def time_to_chart(base: str, public_id: str, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 800, "height": 600})
                page = context.new_page()
                page.goto(f"{base}/embed/{public_id}")
                page.wait_for_selector("body[data-state=ready] .sa-chart svg", timeout=20_000)
                # performance.now() counts from navigation start, so this is navigation -> drawn chart.
                times.append(float(page.evaluate("window.__saDrawnAt")) / 1000)
                context.close()
        finally:
            browser.close()
    return times


def row(gate: Gate, name: str, value: str, target: str, ok: bool, note: str = "") -> None:
    print(f"{name:<38}{value:>10}{target:>10}  {gate.record(name, ok)}{note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads to take the median of")
    args = parser.parse_args()

    ensure_web_built()
    gate = Gate()
    app_kb = gzipped_kb(bundle_files("index.html"))
    embed_kb = gzipped_kb(bundle_files("embed.html"))
    print(f"{'measure':<38}{'value':>10}{'target':>10}  result")
    row(gate, "app bundle (gzip)", f"{app_kb:.1f}KB", f"{TARGET_APP_KB:.0f}KB", app_kb <= TARGET_APP_KB)
    row(
        gate,
        "embed bundle (gzip)",
        f"{embed_kb:.1f}KB",
        f"{TARGET_EMBED_KB:.0f}KB",
        embed_kb <= TARGET_EMBED_KB,
    )
    draw = "embed: navigation -> chart (median)"
    target = f"{TARGET_DRAW_S:.1f}s"
    if not CHROMIUM.exists():
        row(gate, draw, "n/a", target, False, f" ({CHROMIUM} missing)")
        return gate.finish()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        with running_app(data_dir, data_dir / "server.log") as base:
            try:
                public_id = publish_sample_chart(base)
            except httpx.HTTPError as exc:
                row(gate, draw, "n/a", target, False, f" (could not publish a chart: {exc})")
                return gate.finish()
            times = time_to_chart(base, public_id, args.runs)
    median = statistics.median(times)
    row(gate, draw, f"{median:.3f}s", target, median <= TARGET_DRAW_S)
    print(f"  runs: {', '.join(f'{t:.3f}s' for t in times)}")
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
