"""Load and fault benchmark: cloud mode on this machine, editors and public viewers at once.

    python bench/load.py            # full size: 20 editors, 200 viewers, 60 s per phase
    python bench/load.py --quick    # smoke size: a few clients, short phases (the same targets)

Starts a fresh PostgreSQL database (127.0.0.1:5432), a moto S3 server in its own process and the app
under uvicorn with its production settings (cloud mode, auth on), all on 127.0.0.1 (bench/load_stack.py).
Editors read a chart, patch it and upload a small CSV (httpx); viewers read published charts, each waiting
0.5 s between reads (wrk, bench/load_viewers.py). Phases (each `seconds` long):

1. plain load;
2. the same with a stalled-upload attack running (clients that send headers and trickle a byte now
   and then, never finishing their body);
3. the same with the attack running and S3 paused (SIGSTOP) for `pause` seconds in the middle.

Prints requests/s, p50/p99 per route, errors and the server's peak RSS, then gates on the targets of
issue 13 (bench/gate.py): no 5xx outside the S3 pause; during it, public views keep answering (from
cache) and every editor request answers (a 503) within 5 s, never hangs; healthy again within 10 s
after S3 returns; peak RSS under 400 MB; then a 50 MB CSV parsed in under 10 s with peak RSS growth
under 2x its size (bench/csv_parse.py). Exits 1 on a missed target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import secrets
import shutil
import signal
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from csv_parse import check as check_csv_parse  # bench/csv_parse.py: the 50 MB CSV target
from gate import Gate
from load_stack import ADMIN_EMAIL, ADMIN_PASSWORD, app_server, database, moto_server, peak_rss_mb
from load_viewers import ViewerTally, run_viewers

RSS_TARGET_MB = 400
EDITOR_ANSWER_SECONDS = 5
RECOVERY_SECONDS = 10
CSV = b"year,value\n" + b"".join(f"{2000 + i},{i * 3}\n".encode() for i in range(20))
CHARTS = 10
TRICKLE_SECONDS = 5  # under the app's BODY_IDLE_SECONDS, so a stalled upload is never dropped for idling


@dataclass(frozen=True)
class Size:
    editors: int
    viewers: int
    seconds: float
    pause: float  # S3 paused this long in the middle of the pause phase
    stalled: int  # stalled uploads during the attack


FULL = Size(editors=20, viewers=200, seconds=60, pause=10, stalled=30)
QUICK = Size(editors=4, viewers=20, seconds=16, pause=4, stalled=12)


@dataclass(frozen=True)
class Phase:
    title: str
    attack: bool = False
    pause: bool = False


PHASES = (
    Phase("Plain load"),
    Phase("Stalled-upload attack", attack=True),
    Phase("S3 paused, attack running", attack=True, pause=True),
)


@dataclass
class Stats:
    """Every answer of one phase; 'in the pause' means S3 was stopped when the request started or ended
    (for the viewers, counted by wrk per second: any second the pause touched)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors_outside_pause: int = 0
    editor_answers_in_pause: list[tuple[float, str, int]] = field(default_factory=list)
    editor_hangs_in_pause: int = 0
    public_ok_in_pause: int = 0
    public_failed_in_pause: int = 0
    recovery_seconds: float | None = None
    pause_window: tuple[float, float] | None = None  # wall-clock (time.time) start and end of the pause
    viewers: ViewerTally | None = None

    def add(self, route: str, seconds: float, status: int, paused: bool, editor: bool) -> None:
        self.latencies[route].append(seconds)
        if status >= 400 or status == 0:
            self.errors[f"{route} {status or 'no answer'}"] += 1
        if status >= 500 and not paused:
            self.server_errors_outside_pause += 1
        if not paused:
            return
        if editor:
            self.editor_answers_in_pause.append((seconds, route, status))
            self.editor_hangs_in_pause += status == 0
        elif status in (200, 304):
            self.public_ok_in_pause += 1
        else:
            self.public_failed_in_pause += 1

    def add_viewers(self, tally: ViewerTally) -> None:
        """wrk's per-second answers, split by the pause window."""
        window = self.pause_window
        first, last = (math.floor(window[0]), math.floor(window[1])) if window else (math.inf, -math.inf)
        for second, ok, failed, server_errors in tally.seconds:
            if first <= second <= last:
                self.public_ok_in_pause += ok
                self.public_failed_in_pause += failed
            else:
                self.server_errors_outside_pause += server_errors
                if failed:
                    self.errors["GET public (error status)"] += failed
        if tally.no_answer:
            self.errors["GET public no answer"] += tally.no_answer
            if window:  # wrk does not say when; counted against the pause, to be safe
                self.public_failed_in_pause += tally.no_answer
        self.viewers = tally


@dataclass
class World:
    url: str
    port: int
    headers: dict[str, str]
    chart_ids: list[str]
    public_ids: list[str]
    moto_pid: int
    paused: bool = False


# --- the clients ---------------------------------------------------------------------------------
async def call(
    client: httpx.AsyncClient, world: World, stats: Stats, route: str, editor: bool, **request: Any
) -> httpx.Response | None:
    method, path = request.pop("method", "GET"), request.pop("path")
    paused = world.paused
    start = time.perf_counter()
    try:
        response: httpx.Response | None = await client.request(method, path, **request)
    except httpx.HTTPError:
        response = None
    status = response.status_code if response is not None else 0
    stats.add(route, time.perf_counter() - start, status, paused or world.paused, editor)
    return response


async def editor(client: httpx.AsyncClient, world: World, stats: Stats, until: float, n: int) -> None:
    chart_id = world.chart_ids[n % len(world.chart_ids)]
    headers = world.headers
    path = f"/api/charts/{chart_id}"
    while time.monotonic() < until:
        got = await call(client, world, stats, "GET chart", True, path=path, headers=headers)
        if got is not None and got.status_code == 200:
            body = {"title": f"Edit {secrets.token_hex(2)}", "version": got.json()["version"]}
            await call(
                client,
                world,
                stats,
                "PATCH chart",
                True,
                method="PATCH",
                path=path,
                json=body,
                headers=headers,
            )
        upload = {**headers, "Content-Type": "text/csv"}
        await call(
            client,
            world,
            stats,
            "PUT data",
            True,
            method="PUT",
            path=f"{path}/data",
            content=CSV,
            headers=upload,
        )
        await asyncio.sleep(0.2)


async def stalled_upload(world: World, until: float) -> None:
    """One upload that never finishes: headers, then a byte every TRICKLE_SECONDS; reopened if dropped."""
    head = (
        f"PUT /api/charts/{world.chart_ids[0]}/data HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {world.headers['Authorization']}\r\n"
        "Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\nyear,value\n"
    ).encode()
    while time.monotonic() < until:
        writer = None
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", world.port)
            writer.write(head)
            while time.monotonic() < until:
                await writer.drain()
                await asyncio.sleep(min(TRICKLE_SECONDS, max(0.0, until - time.monotonic())))
                writer.write(b"1")
        except OSError:
            await asyncio.sleep(0.5)
        finally:
            if writer is not None:
                writer.close()


async def pause_s3(client: httpx.AsyncClient, world: World, stats: Stats, size: Size) -> None:
    """S3 stops in the middle of the phase, for `size.pause` s; then how long until the app is healthy."""
    await asyncio.sleep(max(0.0, (size.seconds - size.pause) / 2))
    os.kill(world.moto_pid, signal.SIGSTOP)
    world.paused = True
    paused_at = time.time()
    try:
        await asyncio.sleep(size.pause)
    finally:
        os.kill(world.moto_pid, signal.SIGCONT)
    resumed = time.monotonic()
    while time.monotonic() - resumed < 3 * RECOVERY_SECONDS:
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/api/health")).status_code == 200:
                stats.recovery_seconds = time.monotonic() - resumed
                break
        await asyncio.sleep(0.25)
    world.paused = False
    stats.pause_window = (paused_at, time.time())


async def run_phase(world: World, size: Size, phase: Phase) -> Stats:
    stats = Stats()
    until = time.monotonic() + size.seconds
    limits = httpx.Limits(max_connections=size.editors + size.viewers + 1)
    async with httpx.AsyncClient(base_url=world.url, timeout=30, limits=limits) as client:
        paths = [f"/api/public/charts/{public_id}" for public_id in world.public_ids]
        watching = asyncio.create_task(run_viewers(world.url, paths, size.viewers, size.seconds))
        work = [editor(client, world, stats, until, n) for n in range(size.editors)]
        if phase.attack:
            work += [stalled_upload(world, until) for _ in range(size.stalled)]
        if phase.pause:
            work.append(pause_s3(client, world, stats, size))
        await asyncio.gather(*work)
        stats.add_viewers(await watching)
    return stats


def seed(url: str, port: int, moto_pid: int) -> World:
    """Sign in; make CHARTS charts with data, each published (so viewers have something to read)."""
    with httpx.Client(base_url=url, timeout=30) as http:
        login = http.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        charts, publics = [], []
        for index in range(CHARTS):
            chart = http.post("/api/charts", json={"title": f"Chart {index}"}, headers=headers).json()
            http.put(
                f"/api/charts/{chart['id']}/data",
                content=CSV,
                headers={**headers, "Content-Type": "text/csv"},
            ).raise_for_status()
            published = http.post(f"/api/charts/{chart['id']}/publish", headers=headers)
            published.raise_for_status()
            charts.append(chart["id"])
            publics.append(published.json()["public_id"])
    return World(url, port, headers, charts, publics, moto_pid)


# --- report and verdict ----------------------------------------------------------------------------
def report(title: str, stats: Stats, seconds: float) -> None:
    rows = {
        route: (len(values), statistics.median(values), p99_of(values))
        for route, values in stats.latencies.items()
    }
    if stats.viewers:
        rows["GET public"] = (stats.viewers.requests, stats.viewers.p50, stats.viewers.p99)
    total = sum(n for n, _, _ in rows.values())
    print(f"\n{title}: {total / seconds:,.0f} requests/s")
    for route, (n, p50, p99) in sorted(rows.items()):
        print(f"  {route:<12} n={n:>6}  p50 {p50 * 1000:8.1f} ms  p99 {p99 * 1000:8.1f} ms")
    if stats.errors:
        print("  errors: " + ", ".join(f"{k} x{v}" for k, v in sorted(stats.errors.items())))


def p99_of(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def at_most(gate: Gate, name: str, value: float, target: float, unit: str) -> None:
    """One 'value below target' line with its ratio (value / target: under 1.0x is met)."""
    verdict = gate.record(name, value < target)
    print(f"  {name}: {value:.1f} {unit} (target < {target:g} {unit}, {value / target:.2f}x) {verdict}")


def check_phase(gate: Gate, phase: Phase, stats: Stats) -> None:
    errors = stats.server_errors_outside_pause
    verdict = gate.record(f"{phase.title}: no 5xx outside the S3 pause", errors == 0)
    print(f"  5xx outside the S3 pause: {errors} (target 0) {verdict}")
    if not phase.pause:
        return
    ok, failed = stats.public_ok_in_pause, stats.public_failed_in_pause
    verdict = gate.record("public views answer during the S3 pause", ok > 0 and failed == 0)
    print(f"  public views during the pause: {ok} answered, {failed} failed (target: all answered) {verdict}")
    hangs = stats.editor_hangs_in_pause
    verdict = gate.record("no editor request hangs during the S3 pause", hangs == 0)
    print(f"  editor requests without an answer during the pause: {hangs} (target 0) {verdict}")
    answers = sorted(stats.editor_answers_in_pause, reverse=True)
    slowest = answers[0][0] if answers else 0.0
    if answers:
        seconds = [answer[0] for answer in answers]
        print(
            f"  editor answers during the pause: n={len(answers)}, p50 {statistics.median(seconds):.2f} s, "
            f"p99 {p99_of(seconds):.2f} s; slowest: "
            + ", ".join(
                f"{route} {status or 'no answer'} {took:.1f} s" for took, route, status in answers[:3]
            )
        )
    at_most(gate, "slowest editor answer during the S3 pause", slowest, EDITOR_ANSWER_SECONDS, "s")
    if stats.recovery_seconds is None:
        gate.record(f"healthy within {3 * RECOVERY_SECONDS} s after S3 returned", False)
        print(f"  never healthy again within {3 * RECOVERY_SECONDS} s after S3 returned MISS")
    else:
        at_most(gate, "healthy again after S3 returned", stats.recovery_seconds, RECOVERY_SECONDS, "s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size: a few clients, short phases")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    print(
        f"{size.editors} editors, {size.viewers} public viewers, {size.seconds:g} s per phase, "
        f"S3 paused {size.pause:g} s, {size.stalled} stalled uploads"
    )
    if shutil.which("wrk") is None:
        print(
            "Error: wrk runs the public viewers: apt-get install -y wrk (or brew install wrk)",
            file=sys.stderr,
        )
        return 2
    gate = Gate()
    with (
        database() as database_url,
        moto_server() as (moto, s3_url),
        app_server(database_url, s3_url) as served,
    ):
        app, url, port = served
        world = seed(url, port, moto.pid)
        for phase in PHASES:
            stats = asyncio.run(run_phase(world, size, phase))
            report(phase.title, stats, size.seconds)
            check_phase(gate, phase, stats)
        print()
        at_most(gate, "Server peak RSS", peak_rss_mb(app.pid), RSS_TARGET_MB, "MB")
    print()
    check_csv_parse(gate)
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
