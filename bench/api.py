"""API benchmark: the real app next to a minimal FastAPI app serving the same bytes from memory, in one run.

    python bench/api.py [--rows 1000] [--seconds 4] [--connections 32] [--rounds 3]

Starts two uvicorn processes (one worker each, same options): the Story Analytics app in local mode
(SQLite + local storage in a temporary DATA_DIR) and a minimal FastAPI app (the framework's ceiling).
Creates a chart with `--rows` data rows through the API, publishes it, then measures with `wrk`
(apt-get install wrk) requests/s and p50/p99 latency for:

  public   GET /api/public/charts/<public_id>             vs the ceiling returning the same JSON bytes
  304/304  the same with If-None-Match: <etag> -> 304       vs a ceiling answering 304 from memory
                                                           (like for like: the target's basis)
  304/200  the same 304                                    vs the ceiling's full 200 (unlike work: an
                                                           empty 304 against a full body; information)
  chart    GET /api/charts/<id>                            vs the ceiling returning the same JSON bytes

Targets: public and chart >= 0.5x the ceiling, 304/304 >= 0.8x; exits 1 when a target is missed.
Each pair runs interleaved for a few rounds; the verdict takes the median of the per-round ratios
(each round's two sides ran back to back, under the same load from other work on the machine), and the
best round's ratio is shown too.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from gate import Gate
from options import number_options

from storyanalytics.processes import stop_process

ROOT = Path(__file__).resolve().parents[1]
TARGETS: dict[str, float | None] = {"public": 0.5, "304/304": 0.8, "304/200": None, "chart": 0.5}

CEILING_APP = textwrap.dedent(
    '''
    """The framework's ceiling: the same response bytes, held in memory, no database, no storage."""
    import os
    from pathlib import Path

    from fastapi import FastAPI, Request, Response

    folder = Path(os.environ["CEILING_DIR"])
    PUBLIC = (folder / "public.json").read_bytes()
    CHART = (folder / "chart.json").read_bytes()
    ETAG = (folder / "etag.txt").read_text()
    app = FastAPI()


    @app.get("/public")
    async def public() -> Response:
        return Response(PUBLIC, media_type="application/json", headers={"ETag": ETAG})


    @app.get("/conditional")
    async def conditional(request: Request) -> Response:
        if request.headers.get("if-none-match") == ETAG:
            return Response(status_code=304, headers={"ETag": ETAG})
        return Response(PUBLIC, media_type="application/json", headers={"ETag": ETAG})


    @app.get("/chart")
    async def chart() -> Response:
        return Response(CHART, media_type="application/json")
    '''
)


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_uvicorn(app: str, port: int, env: dict[str, str], app_dir: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning", "--app-dir", str(app_dir),
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=str(app_dir))


def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"Error: {url} did not answer within {seconds:.0f} s")


def make_csv(rows: int) -> str:
    rng = random.Random(7)
    lines = ["date,region,product,units,revenue,margin"]
    regions = ["North", "South", "East", "West"]
    for index in range(rows):
        day = f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}"
        lines.append(
            f"{day},{regions[index % 4]},Product {index % 37},{rng.randint(1, 500)},"
            f"{rng.uniform(10, 9999):.2f},{rng.uniform(-0.2, 0.6):.3f}"
        )
    return "\n".join(lines) + "\n"


def create_published_chart(base: str, rows: int) -> tuple[str, str]:
    with httpx.Client(base_url=base, timeout=30) as client:
        chart = client.post(
            "/api/charts",
            json={
                "title": "Revenue by region",
                "chart_type": "line",
                "config": {"mapping": {"x": "date", "y": "revenue", "color": "region"}, "source": "Bench"},
            },
        )
        chart.raise_for_status()
        chart_id = chart.json()["id"]
        upload = client.put(
            f"/api/charts/{chart_id}/data", content=make_csv(rows), headers={"Content-Type": "text/csv"}
        )
        upload.raise_for_status()
        assert upload.json()["row_count"] == rows
        published = client.post(f"/api/charts/{chart_id}/publish")
        published.raise_for_status()
        return chart_id, published.json()["public_id"]


LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> Result:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps_match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps_match is None:
        raise SystemExit(f"Error: could not read wrk's output:\n{output}")
    latency = {int(p): float(v) * UNIT_MS[u] for p, v, u in LATENCY.findall(output)}
    errors_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    errors = int(errors_match.group(1)) if errors_match else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return Result(float(rps_match.group(1)), latency.get(50, 0.0), latency.get(99, 0.0), errors)


def best(results: list[Result]) -> Result:
    return max(results, key=lambda result: result.rps)


def median_ratio(ours: list[Result], theirs: list[Result]) -> float:
    return statistics.median(a.rps / b.rps if b.rps else 0.0 for a, b in zip(ours, theirs, strict=True))


def main() -> int:
    args = number_options(__doc__, rows=1000, seconds=4, connections=32, rounds=3).parse_args()
    if shutil.which("wrk") is None:
        print("Error: wrk is not installed: apt-get install -y wrk (or brew install wrk)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="sa-bench-api-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"APP_MODE", "STORAGE_BACKEND", "DATABASE_URL", "AUTH_ENABLED", "S3_BUCKET", "JWT_SECRET"}
    }
    env.update(
        {
            "DATA_DIR": str(work / "data"),
            "STORAGE_BACKEND": "local",
            "CEILING_DIR": str(work),
            "PYTHONPATH": str(ROOT),
        }
    )
    (work / "ceiling_app.py").write_text(CEILING_APP)
    app_port, ceiling_port = free_port(), free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(start_uvicorn("storyanalytics.api.app:app", app_port, env, ROOT))
        base = f"http://127.0.0.1:{app_port}"
        wait_ready(f"{base}/api/health")
        chart_id, public_id = create_published_chart(base, args.rows)
        public_url = f"{base}/api/public/charts/{public_id}"
        chart_url = f"{base}/api/charts/{chart_id}"
        public = httpx.get(public_url)
        chart = httpx.get(chart_url)
        etag = public.headers["etag"]
        assert httpx.get(public_url, headers={"If-None-Match": etag}).status_code == 304
        (work / "public.json").write_bytes(public.content)
        (work / "chart.json").write_bytes(chart.content)
        (work / "etag.txt").write_text(etag)
        processes.append(start_uvicorn("ceiling_app:app", ceiling_port, env, work))
        ceiling = f"http://127.0.0.1:{ceiling_port}"
        wait_ready(f"{ceiling}/chart")
        assert len(httpx.get(f"{ceiling}/public").content) == len(public.content)

        print(
            f"payloads: public {len(public.content):,} bytes ({args.rows:,} rows), "
            f"chart {len(chart.content):,} bytes; wrk -t2 -c{args.connections} -d{args.seconds}s, "
            f"{args.rounds} interleaved rounds (best round's figures, median ratio)"
        )
        pairs = {
            "public": ((public_url, {}), (f"{ceiling}/public", {})),
            "304/304": (
                (public_url, {"If-None-Match": etag}),
                (f"{ceiling}/conditional", {"If-None-Match": etag}),
            ),
            "304/200": ((public_url, {"If-None-Match": etag}), (f"{ceiling}/public", {})),
            "chart": ((chart_url, {}), (f"{ceiling}/chart", {})),
        }
        for url, headers in [pair for both in pairs.values() for pair in both]:
            run_wrk(url, 1, args.connections, headers)  # warm up caches and connections
        gate = Gate()
        print(f"{'route':<8}{'ours req/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'ceiling req/s':>15}{'p50 ms':>9}"
              f"{'p99 ms':>9}{'median':>8}{'best':>7}{'target':>8}  verdict")  # fmt: skip
        for name, ((url, headers), (ceiling_url, ceiling_headers)) in pairs.items():
            ours: list[Result] = []
            theirs: list[Result] = []
            for _ in range(args.rounds):
                ours.append(run_wrk(url, args.seconds, args.connections, headers))
                theirs.append(run_wrk(ceiling_url, args.seconds, args.connections, ceiling_headers))
            a, b = best(ours), best(theirs)
            ratio = median_ratio(ours, theirs)
            best_ratio = a.rps / b.rps if b.rps else 0.0
            errors = sum(result.errors for result in ours)
            target = TARGETS[name]
            if target is None:
                verdict, target_text = "info", "-"
            else:
                verdict = gate.record(name, ratio >= target and errors == 0)
                target_text = f"{target:.1f}x"
            print(
                f"{name:<8}{a.rps:>12,.0f}{a.p50_ms:>9.2f}{a.p99_ms:>9.2f}{b.rps:>15,.0f}{b.p50_ms:>9.2f}"
                f"{b.p99_ms:>9.2f}{ratio:>7.2f}x{best_ratio:>6.2f}x{target_text:>8}  {verdict}"
                + (f" ({errors} errors)" if errors else "")
            )
        print(json.dumps({"result": "MISS" if gate.missed else "PASS"}))
        return gate.finish()
    finally:
        for process in processes:
            stop_process(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
