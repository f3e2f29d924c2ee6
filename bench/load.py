"""Load and fault benchmark: cloud mode on this machine, editors and public viewers at once.

    python bench/load.py [--seconds 60] [--editors 20] [--viewers 200]

Starts a fresh PostgreSQL database (127.0.0.1:5432), a moto S3 server in its own process and the app
under uvicorn with its production settings (cloud mode, auth on), all on 127.0.0.1. Three phases of
`--seconds` each: plain load; S3 paused (SIGSTOP) for 10 s in the middle; a stalled-upload attack (30
clients that send headers and a few bytes, then nothing). Prints requests/s, p50/p99 per route, errors
and the server's peak RSS. Targets (issue 13): no 5xx outside the S3 pause; during it, public views keep
answering and editors get a 503 within 5 s; healthy again within 10 s after S3 returns; peak RSS under
400 MB; then a 50 MB CSV parsed in under 10 s with peak RSS growth under 2x its size (bench/csv_parse.py).
Exits 1 on a missed target.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import free_port, start_uvicorn, wait_ready  # noqa: E402  (bench/api.py: one way to run the app)
from csv_parse import check as check_csv_parse  # noqa: E402  (bench/csv_parse.py: the 50 MB CSV target)

ADMIN_EMAIL, ADMIN_PASSWORD = "owner@example.org", "quiet lantern harbour 2026"
POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
RSS_TARGET_MB = 400
EDITOR_503_SECONDS = 5
RECOVERY_SECONDS = 10
CSV = b"year,value\n" + b"".join(f"{2000 + i},{i * 3}\n".encode() for i in range(20))


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors_outside_pause: int = 0
    editor_waits_in_pause: list[float] = field(default_factory=list)

    def add(self, route: str, seconds: float, status: int, paused: bool, editor: bool) -> None:
        self.latencies[route].append(seconds)
        if status >= 400 or status == 0:
            self.errors[f"{route} {status}"] += 1
        if status >= 500 and not paused:
            self.server_errors_outside_pause += 1
        if paused and editor:
            self.editor_waits_in_pause.append(seconds)


@dataclass
class World:
    url: str
    headers: dict[str, str]
    chart_ids: list[str]
    public_ids: list[str]
    paused: bool = False


async def call(client: httpx.AsyncClient, world: World, stats: Stats, route: str, editor: bool, **kw) -> None:  # type: ignore[no-untyped-def]
    method, path = kw.pop("method", "GET"), kw.pop("path")
    paused = world.paused
    start = time.perf_counter()
    try:
        status = (await client.request(method, path, **kw)).status_code
    except httpx.HTTPError:
        status = 0
    stats.add(route, time.perf_counter() - start, status, paused or world.paused, editor)


async def editor(client: httpx.AsyncClient, world: World, stats: Stats, until: float, n: int) -> None:
    chart_id = world.chart_ids[n % len(world.chart_ids)]
    h = world.headers
    while time.monotonic() < until:
        await call(client, world, stats, "GET chart", True, path=f"/api/charts/{chart_id}", headers=h)
        try:
            got = await client.get(f"/api/charts/{chart_id}", headers=h)
        except httpx.HTTPError:
            continue
        if got.status_code == 200:
            body = {"title": f"Edit {secrets.token_hex(2)}", "version": got.json()["version"]}
            await call(
                client,
                world,
                stats,
                "PATCH chart",
                True,
                method="PATCH",
                path=f"/api/charts/{chart_id}",
                json=body,
                headers=h,
            )
        await call(
            client,
            world,
            stats,
            "PUT data",
            True,
            method="PUT",
            path=f"/api/charts/{chart_id}/data",
            content=CSV,
            headers={**h, "Content-Type": "text/csv"},
        )
        await asyncio.sleep(0.2)


async def viewer(client: httpx.AsyncClient, world: World, stats: Stats, until: float, n: int) -> None:
    public_id = world.public_ids[n % len(world.public_ids)]
    while time.monotonic() < until:
        await call(client, world, stats, "GET public", False, path=f"/api/public/charts/{public_id}")
        await asyncio.sleep(0.5)


async def phase(
    world: World, args: argparse.Namespace, stats: Stats, moto: subprocess.Popen[bytes] | None
) -> None:
    until = time.monotonic() + args.seconds
    limits = httpx.Limits(max_connections=args.editors + args.viewers)
    async with httpx.AsyncClient(base_url=world.url, timeout=30, limits=limits) as client:
        tasks = [asyncio.create_task(editor(client, world, stats, until, n)) for n in range(args.editors)]
        tasks += [asyncio.create_task(viewer(client, world, stats, until, n)) for n in range(args.viewers)]
        if moto is not None:
            await asyncio.sleep(max(0.0, args.seconds / 2 - 5))
            os.kill(moto.pid, signal.SIGSTOP)
            world.paused = True
            await asyncio.sleep(10)
            os.kill(moto.pid, signal.SIGCONT)
            resumed = time.monotonic()
            while time.monotonic() - resumed < 30:
                if (await client.get("/api/health")).status_code == 200:
                    break
                await asyncio.sleep(0.25)
            stats.latencies["recovery (s)"].append(time.monotonic() - resumed)
            world.paused = False
        await asyncio.gather(*tasks)


def stalled_uploads(port: int, token: str, chart_id: str, count: int) -> list[socket.socket]:
    head = (
        f"PUT /api/charts/{chart_id}/data HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
        "Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\nyear,value\n"
    ).encode()
    sockets = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(head)
        sockets.append(client)
    return sockets


def report(name: str, stats: Stats, seconds: float) -> None:
    total = sum(len(v) for k, v in stats.latencies.items() if "recovery" not in k)
    print(f"\n{name}: {total / seconds:,.0f} requests/s")
    for route, values in sorted(stats.latencies.items()):
        if route.startswith("recovery"):
            print(f"  recovery after S3 returned: {values[0]:.1f} s")
            continue
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        p50 = statistics.median(values) * 1000
        print(f"  {route:<12} n={len(values):>6}  p50 {p50:7.1f} ms  p99 {p99 * 1000:7.1f} ms")
    if stats.errors:
        print("  errors: " + ", ".join(f"{k} x{v}" for k, v in sorted(stats.errors.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--viewers", type=int, default=200)
    args = parser.parse_args()
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"sa_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    moto_port, app_port = free_port(), free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        **os.environ,
        "APP_MODE": "cloud",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "bench",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "DATABASE_URL": POSTGRES.rsplit("/", 1)[0] + f"/{name}",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    app = None
    missed: list[str] = []
    try:
        wait_ready(f"http://127.0.0.1:{moto_port}/")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_bucket(Bucket="bench")
        app = start_uvicorn("storyanalytics.api.app:app", app_port, env, ROOT)
        url = f"http://127.0.0.1:{app_port}"
        wait_ready(f"{url}/api/health")
        with httpx.Client(base_url=url, timeout=30) as http:
            token = http.post(
                "/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            charts, publics = [], []
            for index in range(10):
                chart = http.post("/api/charts", json={"title": f"Chart {index}"}, headers=headers).json()
                http.put(
                    f"/api/charts/{chart['id']}/data",
                    content=CSV,
                    headers={**headers, "Content-Type": "text/csv"},
                )
                publics.append(
                    http.post(f"/api/charts/{chart['id']}/publish", headers=headers).json()["public_id"]
                )
                charts.append(chart["id"])
        world = World(url, headers, charts, publics)
        for title, pause, attack in (
            ("Plain load", False, False),
            ("S3 paused 10 s", True, False),
            ("Stalled-upload attack", False, True),
        ):
            stats = Stats()
            sockets = stalled_uploads(app_port, headers["Authorization"], charts[0], 30) if attack else []
            asyncio.run(phase(world, args, stats, moto if pause else None))
            for client in sockets:
                client.close()
            report(title, stats, args.seconds)
            if stats.server_errors_outside_pause:
                missed.append(
                    f"{title}: {stats.server_errors_outside_pause} server errors outside the S3 pause"
                )
            if pause:
                slowest = max(stats.editor_waits_in_pause, default=0.0)
                target = f"target < {EDITOR_503_SECONDS} s"
                print(f"  slowest editor answer during the pause: {slowest:.1f} s ({target})")
                if slowest >= EDITOR_503_SECONDS:
                    missed.append(f"editors waited {slowest:.1f} s during the S3 pause")
                recovery = stats.latencies["recovery (s)"][0]
                if recovery > RECOVERY_SECONDS:
                    missed.append(f"recovery took {recovery:.1f} s")
                if stats.errors.get("GET public 503") or stats.errors.get("GET public 0"):
                    missed.append("public views failed during the S3 pause")
        rss = peak_rss_mb(app.pid)
        print(f"\nServer peak RSS: {rss:.0f} MB (target < {RSS_TARGET_MB} MB)")
        if rss >= RSS_TARGET_MB:
            missed.append(f"peak RSS {rss:.0f} MB")
    finally:
        for process in (app, moto):
            if process is not None:
                os.kill(process.pid, signal.SIGCONT) if process is moto else None
                process.terminate()
                process.wait(timeout=20)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print()
    missed += check_csv_parse()
    print("\nAll targets met." if not missed else "\nMissed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
