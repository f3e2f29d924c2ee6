"""Embed benchmark: bytes over the wire for one embed view (first and repeat), static edge path vs app path,
and requests/s of the chart's payload from a plain static server vs the app, side by side in one run.

Usage: python bench/embed.py [--rows 1000] [--seconds 5] [--threads 4]

Starts a moto server (S3), the real app on loopback with an edge bucket there, and the labelled
CloudFront stand-in over the bucket's public prefix (storyanalytics/rehearsal/standins/cdn.py: stored
Content-Type and Cache-Control, gzip like the distribution's Compress). Publishes a chart with --rows
rows, then in headless Chromium loads the embed page through each path: first view with a cold cache,
repeat view by reloading (hashed files come from the browser cache, the page is revalidated). Bytes are
Chromium's encoded (on the wire) sizes. The payload's requests/s compare Python's plain http.server
serving the published files from a folder with the app's /api/public/charts/<id>.
Lighthouse (mobile, performance only) runs on the embed page through both paths when the `lighthouse`
command is found (on PATH, or LIGHTHOUSE=/path/to/lighthouse; `npm install lighthouse` in any folder),
against /usr/bin/chromium, --lighthouse-runs times per path (default 3; each run printed); the median
score of each path is the one gated, as Lighthouse's own guidance on variance advises.
Targets (issue 12): repeat view under 30 KB, first view under 130 KB (gzip), Lighthouse performance
at least 95 through both paths; exits 1 on a miss (a target that could not be measured included).
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.server
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
from gate import Gate
from moto.server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from e2e_support import CHROMIUM, CHROMIUM_ARGS, ensure_web_built, running_app

from storyanalytics.rehearsal.standins.cdn import cloudfront_standin, serving

TARGET_REPEAT_KB = 30.0
TARGET_FIRST_KB = 130.0
TARGET_LIGHTHOUSE = 95
BUCKET = "bench-edge"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}


def publish_chart(base: str, rows: int) -> dict[str, Any]:
    lines = "\n".join(
        f"Region {i},{2000 + i % 25},{(i * 37) % 1000 + 5},{(i * 11) % 600}" for i in range(rows)
    )
    with httpx.Client(base_url=base, timeout=60) as client:
        chart_id = client.post("/api/charts", json={"title": "Benchmark", "chart_type": "scatter"}).json()[
            "id"
        ]
        client.put(
            f"/api/charts/{chart_id}/data",
            content=f"region,year,sales,profit\n{lines}\n",
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        version = client.get(f"/api/charts/{chart_id}").json()["version"]
        client.patch(
            f"/api/charts/{chart_id}",
            json={"version": version, "config": {"mapping": {"x": "sales", "y": "profit"}}},
        ).raise_for_status()
        published = client.post(f"/api/charts/{chart_id}/publish")
        published.raise_for_status()
        result: dict[str, Any] = published.json()
        return result


def wire_bytes(url: str) -> tuple[int, int]:
    """(first view, repeat view) bytes on the wire for one embed page, all requests included."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 800, "height": 600})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            sizes: dict[str, int] = {}
            cdp.on(
                "Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"])
            )
            views = []
            for load in (lambda: page.goto(url), lambda: page.reload()):
                sizes.clear()
                load()
                page.wait_for_selector("body[data-state=ready] .sa-chart svg", timeout=30_000)
                page.wait_for_load_state("networkidle")
                views.append(sum(sizes.values()))
            context.close()
        finally:
            browser.close()
    return views[0], views[1]


def lighthouse_score(command: str, url: str, keep: Path | None = None) -> int:
    """Lighthouse's mobile performance score (0-100) for `url`, in headless Debian Chromium; prints
    the metrics behind it (and keeps the whole report in `keep`, a file name, when given)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = keep or Path(tmp) / "report.json"
        flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
        subprocess.run(
            [command, url, "--only-categories=performance", "--output=json", f"--output-path={report}",
             f"--chrome-flags={flags}", "--quiet"],
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            check=True,
            timeout=300,
            capture_output=True,
        )  # fmt: skip
        result = json.loads(report.read_text())
    metrics = (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "speed-index",
        "cumulative-layout-shift",
    )
    shown = ", ".join(f"{m} {result['audits'][m]['displayValue']}" for m in metrics)
    print(f"  lighthouse {urlsplit(url).netloc}: {shown}")
    return round(float(result["categories"]["performance"]["score"]) * 100)


def median_scores(command: str, urls: dict[str, str], runs: int, reports: Path | None) -> tuple[int, ...]:
    """Each path's median Lighthouse score over `runs` runs, the paths taking turns (so a burst of load on
    the machine falls on both); every run is printed and, with `reports`, kept as <path><n>.json."""
    if reports:
        reports.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[int]] = {name: [] for name in urls}
    for run in range(max(1, runs)):
        for name, url in urls.items():
            keep = reports / f"{name}{run}.json" if reports else None
            found[name].append(lighthouse_score(command, url, keep))
    for name, values in found.items():
        print(f"  lighthouse {name}: {values}, median {statistics.median(values):g}")
    return tuple(round(statistics.median(values)) for values in found.values())


def requests_per_second(url: str, seconds: float, threads: int) -> float:
    """GETs of `url` from `threads` keep-alive connections on loopback for `seconds`; each must be 200."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        while time.monotonic() < deadline:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{url} answered {answer.status}")
            counts[n] += 1
        connection.close()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / seconds


class _Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: object) -> None:
        pass


def download_public_prefix(s3: Any, folder: Path) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="public/"):
        for item in page.get("Contents", []):
            target = folder / item["Key"].removeprefix("public/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--lighthouse-runs", type=int, default=3, help="runs per path; the median is gated")
    parser.add_argument("--reports", type=Path, help="keep the Lighthouse reports (JSON) in this folder")
    args = parser.parse_args()
    os.environ.update(AWS_ENV)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    ensure_web_built()
    gate = Gate()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    try:
        with tempfile.TemporaryDirectory() as tmp, cloudfront_standin(endpoint, BUCKET) as cdn:
            data = Path(tmp) / "data"
            data.mkdir()
            env = {"EDGE_BUCKET": BUCKET, "EDGE_URL": cdn, "AWS_ENDPOINT_URL": endpoint, **AWS_ENV}
            with running_app(data, data / "server.log", **env) as app:
                published = publish_chart(app, args.rows)
                public_id = published["public_id"]
                static_first, static_repeat = wire_bytes(published["public_url"])
                app_first, app_repeat = wire_bytes(f"{app}/embed/{public_id}")
                lighthouse = os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse")
                scores = None
                if lighthouse:
                    paths = {"edge": published["public_url"], "app": f"{app}/embed/{public_id}"}
                    scores = median_scores(lighthouse, paths, args.lighthouse_runs, args.reports)
                files = Path(tmp) / "public"
                download_public_prefix(s3, files)
                payload = next((files / "data" / public_id).glob("*.json"))
                payload_kb = payload.stat().st_size / 1024
                handler = functools.partial(_Quiet, directory=str(files))
                with serving(handler) as static_url:
                    static_rps = requests_per_second(
                        f"{static_url}/data/{public_id}/{payload.name}", args.seconds, args.threads
                    )
                app_rps = requests_per_second(
                    f"{app}/api/public/charts/{public_id}", args.seconds, args.threads
                )
    finally:
        moto.stop()

    print(f"Embed of a {args.rows:,}-row chart (payload {payload_kb:.1f} KB raw)")
    print(f"{'measure':<34}{'static (edge)':>15}{'app path':>12}{'static/app':>12}{'target':>10}  result")

    def kb_row(name: str, static: int, app_value: int, target: float) -> None:
        ok = static / 1024 <= target
        ratio = static / app_value if app_value else float("nan")
        print(
            f"{name:<34}{static / 1024:>13.1f}KB{app_value / 1024:>10.1f}KB{ratio:>12.2f}"
            f"{f'<{target:.0f}KB':>10}  {gate.record(name + ' (static)', ok)}"
        )

    kb_row("first view, bytes on the wire", static_first, app_first, TARGET_FIRST_KB)
    kb_row("repeat view, bytes on the wire", static_repeat, app_repeat, TARGET_REPEAT_KB)
    print(
        f"{'payload requests/s':<34}{static_rps:>15.0f}{app_rps:>12.0f}{static_rps / app_rps:>12.2f}"
        f"{'':>10}  (plain http.server vs the app, {args.threads} connections, {args.seconds:g}s each)"
    )
    name = "Lighthouse performance (mobile)"
    if scores is None:
        print(f"{name:<34}{'n/a':>15}{'n/a':>12}{'':>12}{'>=95':>10}  ", end="")
        print(gate.unmeasured(name, "lighthouse not found: npm install lighthouse, set LIGHTHOUSE"))
    else:
        ok = min(scores) >= TARGET_LIGHTHOUSE
        print(
            f"{name:<34}{scores[0]:>15}{scores[1]:>12}{scores[0] / max(scores[1], 1):>12.2f}"
            f"{f'>={TARGET_LIGHTHOUSE}':>10}  {gate.record(name + ' (both paths)', ok)}"
        )
    print(
        "App path, for comparison (no target): first view "
        f"{'within' if app_first / 1024 <= TARGET_FIRST_KB else 'over'} {TARGET_FIRST_KB:.0f} KB, repeat "
        f"{'within' if app_repeat / 1024 <= TARGET_REPEAT_KB else 'over'} {TARGET_REPEAT_KB:.0f} KB."
    )
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
