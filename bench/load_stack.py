"""The stack bench/load.py runs against, all on 127.0.0.1: a fresh PostgreSQL database, a moto S3 server in
its own process (so it can be paused) and the app under uvicorn with its production settings (cloud mode)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from api import free_port, start_uvicorn, wait_ready  # bench/api.py: one way to run the app
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
ADMIN_EMAIL, ADMIN_PASSWORD = "owner@example.org", "quiet lantern harbour 2026"
POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGCONT)  # a paused moto must run to hear the terminate
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A fresh database on the local PostgreSQL, dropped afterwards."""
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"sa_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def moto_server() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """moto in its own process (so it can be paused), with the app's bucket."""
    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_bucket(Bucket="bench")
        yield moto, url
    finally:
        stop(moto)


@contextlib.contextmanager
def app_server(database_url: str, s3_url: str) -> Iterator[tuple[subprocess.Popen[bytes], str, int]]:
    """The app with its production settings (cloud mode), under uvicorn."""
    port = free_port()
    env = {
        **os.environ,
        "APP_MODE": "cloud",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "bench",
        "AWS_ENDPOINT_URL": s3_url,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    app = start_uvicorn("storyanalytics.api.app:app", port, env, ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(f"{url}/api/health")
        yield app, url, port
    finally:
        stop(app)
