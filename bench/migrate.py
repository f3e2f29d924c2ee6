"""Migration speed, side by side in one run, on the same moto server and the same PostgreSQL.

- files: 10,000 objects of 1-20 KB, ours (every upload checksum-verified) vs `aws s3 sync`;
- metadata: a SQLite database with 100,000 chart_versions rows, ours (copy + verify) vs `pgloader`.
Target: our wall time <= 1.0x theirs for both. Run: `python bench/migrate.py` (options: --help).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gate import Gate
from options import number_options

from storyanalytics.db import make_engine, upgrade
from storyanalytics.db.models import Chart, ChartVersion, Team, User
from storyanalytics.migrate import migrate_database, migrate_storage
from storyanalytics.processes import stop_process
from storyanalytics.storage import LocalStorageBackend, S3StorageBackend

VENV_BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    """A moto server in its own process, so neither client shares its interpreter."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, endpoint
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("moto_server did not start")


def timed(label: str, function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    seconds = time.perf_counter() - started
    print(f"  {label:<44} {seconds:7.2f} s", flush=True)
    return seconds


def verdict(gate: Gate, name: str, ours: float, theirs: float) -> str:
    ratio = ours / theirs
    return f"ratio {ratio:.2f}x -> {gate.record(name, ratio <= 1.0)}"


# --- files -----------------------------------------------------------------------------------------
def make_files(root: Path, count: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    total = 0
    for index in range(count):
        folder = ("charts", "versions", "uploads", "snapshots")[index % 4]
        path = root / folder / f"{index // 500:03d}" / f"object-{index:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = rng.randbytes(rng.randint(1024, 20 * 1024))
        path.write_bytes(data)
        total += len(data)
    return total


def empty_bucket(client: Any, bucket: str) -> int:
    """Delete every object (so the server holds the same state for each tool); returns the count."""
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def bench_files(endpoint: str, count: int, rounds: int, concurrency: int) -> tuple[float, float]:
    """Each tool uploads into a fresh bucket of the same server, emptied afterwards; order alternates."""
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "data"
        size = make_files(root, count)
        print(f"files: {count} objects, {size / 1e6:.1f} MB, {rounds} round(s)")
        ours_times: list[float] = []
        theirs_times: list[float] = []

        def theirs(bucket: str) -> None:
            command = [
                str(VENV_BIN / "aws"), "s3", "sync", str(root), f"s3://{bucket}",
                "--endpoint-url", endpoint, "--only-show-errors",
            ]  # fmt: skip
            theirs_times.append(
                timed("aws s3 sync", lambda: subprocess.run(command, check=True, env=os.environ | AWS_ENV))
            )

        def ours(bucket: str) -> None:
            target = S3StorageBackend(bucket, endpoint_url=endpoint, region_name="us-east-1")

            def run() -> None:
                report = migrate_storage(LocalStorageBackend(root), target, concurrency=concurrency)
                assert report.ok and len(report.copied) == count, report.failures

            ours_times.append(timed(f"ours (migrate_storage, verified, c={concurrency})", run))
            timed(
                "ours, second run (all skipped)",
                lambda: migrate_storage(LocalStorageBackend(root), target, concurrency=concurrency),
            )

        for round_number in range(rounds):
            order = [("aws", theirs), ("ours", ours)]
            for name, tool in order if round_number % 2 == 0 else reversed(order):
                bucket = f"bench-{name}-{round_number}"
                client.create_bucket(Bucket=bucket)
                tool(bucket)
                uploaded = empty_bucket(client, bucket)
                assert uploaded == count, f"{name} uploaded {uploaded} of {count}"
                client.delete_bucket(Bucket=bucket)
    return statistics.median(ours_times), statistics.median(theirs_times)


# --- metadata --------------------------------------------------------------------------------------
def make_sqlite(path: Path, rows: int) -> str:
    url = f"sqlite:///{path.as_posix()}"
    upgrade(url)
    engine = make_engine(url)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [{"id": "u" * 32, "email": "a@example.org", "display_name": "A", "password_hash": None,
              "is_admin": True, "is_active": True, "created_at": moment, "updated_at": moment}],
        )  # fmt: skip
        connection.execute(
            insert(Team), [{"id": "t" * 32, "name": "T", "created_at": moment, "updated_at": moment}]
        )
        charts = [f"{n:032x}" for n in range(1000)]
        connection.execute(
            insert(Chart),
            [{"id": chart, "team_id": "t" * 32, "title": f"Chart {n}", "description": "", "chart_type": "bar",
              "theme_id": "default", "version": 100, "public_version": 0, "is_published": n % 2 == 0,
              "created_by": "u" * 32, "created_at": moment, "updated_at": moment}
             for n, chart in enumerate(charts)],
        )  # fmt: skip
        for start in range(0, rows, 20_000):
            connection.execute(
                insert(ChartVersion),
                [{"id": n + 1, "chart_id": charts[n % 1000], "number": n // 1000 + 1,
                  "storage_key": f"versions/{charts[n % 1000]}/{n // 1000 + 1}.json", "message": f"save {n}",
                  "created_by": "u" * 32, "created_at": moment + timedelta(seconds=n)}
                 for n in range(start, min(rows, start + 20_000))],
            )  # fmt: skip
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return url


def fresh_database(admin_url: str, name: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench_metadata(rows: int, rounds: int) -> tuple[float, float] | None:
    pgloader = shutil.which("pgloader")
    if pgloader is None:
        print("metadata: pgloader is not installed (apt-get install -y pgloader); skipped")
        return None
    ours_times, theirs_times = [], []
    with tempfile.TemporaryDirectory() as temp:
        sqlite_path = Path(temp) / "metadata.db"
        source = make_sqlite(sqlite_path, rows)
        print(f"metadata: SQLite with {rows} chart_versions rows ({sqlite_path.stat().st_size / 1e6:.1f} MB)")
        for round_number in range(rounds):
            theirs_db, ours_db = f"bench_pgloader_{round_number}", f"bench_ours_{round_number}"
            theirs_url = fresh_database(POSTGRES_ADMIN_URL, theirs_db)
            ours_url = fresh_database(POSTGRES_ADMIN_URL, ours_db)
            plain = make_url(theirs_url).set(drivername="postgresql").render_as_string(hide_password=False)
            command = [pgloader, "--quiet", f"sqlite:///{sqlite_path}", plain]
            theirs_times.append(
                timed("pgloader", lambda c=command: subprocess.run(c, check=True, stdout=subprocess.DEVNULL))
            )

            def ours(url: str = ours_url) -> None:
                report = migrate_database(source, url)
                assert report.ok and report.table("chart_versions").copied == rows

            ours_times.append(timed("ours (migrate_database, verified)", ours))
            with create_engine(theirs_url).connect() as connection:
                loaded = connection.execute(text("SELECT count(*) FROM chart_versions")).scalar_one()
            assert loaded == rows, f"pgloader loaded {loaded} of {rows} rows"
            drop_database(POSTGRES_ADMIN_URL, theirs_db)
            drop_database(POSTGRES_ADMIN_URL, ours_db)
    return statistics.median(ours_times), statistics.median(theirs_times)


def main() -> int:
    parser = number_options(__doc__, objects=10_000, rows=100_000, rounds=1, concurrency=16)
    parser.add_argument("--only", choices=["files", "metadata"], default=None)
    args = parser.parse_args()
    os.environ.update(AWS_ENV)
    results: list[str] = []
    gate = Gate()
    if args.only in (None, "files"):
        moto, endpoint = start_moto()
        try:
            ours, theirs = bench_files(endpoint, args.objects, args.rounds, args.concurrency)
            files = verdict(gate, "files", ours, theirs)
            results.append(f"files:    ours {ours:.2f} s vs aws s3 sync {theirs:.2f} s, {files}")
        finally:
            stop_process(moto)
    if args.only in (None, "metadata"):
        measured = bench_metadata(args.rows, args.rounds)
        if measured is None:
            gate.unmeasured("metadata", "pgloader is not installed")
        else:
            ours, theirs = measured
            results.append(
                f"metadata: ours {ours:.2f} s vs pgloader {theirs:.2f} s, "
                f"{verdict(gate, 'metadata', ours, theirs)}"
            )
    print()
    for line in results:
        print(line)
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
