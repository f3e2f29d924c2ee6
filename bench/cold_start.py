"""Cold start benchmark: a fresh app process answering its first requests, next to a minimal FastAPI app.

    python bench/cold_start.py [--runs 5]

A cold start is the user's first click after idle: on Lambda a new instance starts the image's command
and the Lambda Web Adapter waits for /api/health before it forwards the request. Measured from the
process's spawn: ours to the first /api/health and the first authenticated /api/charts, on SQLite and on
PostgreSQL (a database already migrated and bootstrapped, as after a deploy), and the floor: a minimal
FastAPI app under the same uvicorn to its first answer. Median of --runs fresh processes each, the cases
alternating run after run so that all see the same machine load (printed with the figures).
Targets: ours (first /api/charts) within 3x of the floor and under 1.5 s. Prints the `-X importtime`
top 10 of importing and building the app, so heavy imports stay visible. Exits 1 on a missed target.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import httpx
from gate import Gate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyanalytics.processes import stop_process  # noqa: E402  (after the path is set)

APP = "storyanalytics.asgi:app"  # the image's CMD
RATIO_TARGET = 3.0
SECONDS_TARGET = 1.5
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
ADMIN = {"ADMIN_EMAIL": "bench@example.org", "ADMIN_PASSWORD": "cold start bench password"}
MINIMAL_APP = textwrap.dedent(
    """
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(module: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", module, "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return proc, f"http://127.0.0.1:{port}"


def first_answer(client: httpx.Client, url: str, proc: subprocess.Popen[bytes], started: float) -> float:
    """Seconds from spawn until `url` answers 200, polling like the adapter's readiness check (10 ms)."""
    deadline = started + 60
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the app exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        try:
            if client.get(url, timeout=5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer within 60 s")


def cold_start(module: str, env: dict[str, str], cwd: Path, token: str | None) -> tuple[float, float | None]:
    """(seconds to the first /api/health, seconds to the first authenticated /api/charts or None)."""
    with httpx.Client() as client:
        started = time.perf_counter()
        proc, base = spawn(module, env, cwd)
        try:
            health = first_answer(client, f"{base}/api/health", proc, started)
            if token is None:
                return health, None
            charts = client.get(
                f"{base}/api/charts", headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            if charts.status_code != 200:
                raise RuntimeError(f"/api/charts answered {charts.status_code}: {charts.text[:200]}")
            return health, time.perf_counter() - started
        finally:
            stop_process(proc)


def app_env(data_dir: Path, database_url: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "STORAGE_BACKEND", "APP_MODE"}}
    return {
        **keep,
        **ADMIN,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "STORAGE_BACKEND": "local",
        "AUTH_ENABLED": "true",
        "JWT_SECRET": "cold-start-bench-" + "s" * 40,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def prepare(env: dict[str, str]) -> str:
    """One start that migrates and makes the admin (the deploy's first start), then an access token."""
    with httpx.Client() as client:
        proc, base = spawn(APP, env, ROOT)
        try:
            first_answer(client, f"{base}/api/health", proc, time.perf_counter())
            login = client.post(
                f"{base}/api/auth/login",
                json={"email": ADMIN["ADMIN_EMAIL"], "password": ADMIN["ADMIN_PASSWORD"]},
                timeout=30,
            )
            login.raise_for_status()
            return str(login.json()["access_token"])
        finally:
            stop_process(proc)


def import_time_top(limit: int = 10) -> list[tuple[int, str]]:
    """The packages that cost most to import (cumulative microseconds of the first import of each
    third-party package and of each of our modules) while importing and building the app."""
    code = "import storyanalytics.api.app as m; m.create_app()"
    env = {**os.environ, "DATA_DIR": tempfile.mkdtemp(prefix="sa-importtime-"), "STORAGE_BACKEND": "local"}
    command = [sys.executable, "-X", "importtime", "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    rows: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if not match:
            continue
        name = match.group(3)
        ours = name.startswith("storyanalytics.") and name.count(".") >= 2 and not name.endswith(".api.app")
        if ("." not in name and name not in sys.stdlib_module_names and name != "storyanalytics") or ours:
            rows.append((int(match.group(2)), name))
    return sorted(rows, reverse=True)[:limit]


def create_postgres_database() -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"sa_coldstart_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except OperationalError:
        return None
    return name, POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    gate = Gate()

    with tempfile.TemporaryDirectory(prefix="sa-coldstart-") as folder:
        work = Path(folder)
        (work / "minimal_app.py").write_text(MINIMAL_APP)
        base_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        databases: list[tuple[str, str | None, str]] = [
            ("SQLite", f"sqlite:///{work / 'sqlite' / 'metadata.db'}", "")
        ]
        made = create_postgres_database()
        if made:
            databases.append(("PostgreSQL", made[1], made[0]))
        else:
            print(gate.unmeasured("PostgreSQL cold start", "no PostgreSQL at 127.0.0.1:5432"))
        try:
            prepared = []
            for label, url, _ in databases:
                assert url
                env = app_env(work / label.lower(), url)
                prepared.append((label, env, prepare(env)))
            # Alternating (floor, then each database, run after run), so all see the same machine load.
            floors: list[float] = []
            runs: dict[str, list[tuple[float, float | None]]] = {label: [] for label, _, _ in prepared}
            for _ in range(args.runs):
                floors.append(cold_start("minimal_app:app", base_env, work, None)[0])
                for label, env, token in prepared:
                    runs[label].append(cold_start(APP, env, ROOT, token))
            floor = statistics.median(floors)
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(f"Cold start, median of {args.runs} fresh processes each (spawn -> first answer)")
            print(f"Load average while measuring: {load} on {os.cpu_count()} cores\n")
            print(f"{'case':<34}{'health s':>10}{'charts s':>10}{'floor s':>10}{'ratio':>8}  target")
            print(f"{'minimal FastAPI app (floor)':<34}{floor:>10.3f}{'':>10}{floor:>10.3f}{1.0:>8.2f}")
            for label, _, _ in prepared:
                health = statistics.median(run[0] for run in runs[label])
                charts = statistics.median(run[1] or 0.0 for run in runs[label])
                ratio = charts / floor
                ok = ratio <= RATIO_TARGET and charts < SECONDS_TARGET
                verdict = gate.record(
                    f"{label}: first /api/charts {charts:.2f} s, {ratio:.2f}x the floor", ok
                )
                print(
                    f"{'ours, ' + label:<34}{health:>10.3f}{charts:>10.3f}{floor:>10.3f}{ratio:>8.2f}  "
                    f"<= {RATIO_TARGET:g}x and < {SECONDS_TARGET:g} s: {verdict}"
                )
        finally:
            for _, _, name in databases:
                if name:
                    drop_postgres_database(name)

    print("\nSlowest imports while importing and building the app (python -X importtime, cumulative):")
    for microseconds, module in import_time_top():
        print(f"  {microseconds / 1000:>8.1f} ms  {module}")
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
