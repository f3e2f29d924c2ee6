"""bench/image.py's floor app does the health answer's real work: a query on PostgreSQL and a HeadBucket on
S3. If it did less, the floor it measures would flatter the libraries and blame the app."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

IMAGE_BENCH_PATH = Path(__file__).resolve().parents[2] / "bench" / "image.py"
# Runs in its own process: the floor pauses the garbage collector on import, as the image's start does.
ASK_HEALTH = """
from fastapi.testclient import TestClient
import floor_app
with TestClient(floor_app.app, raise_server_exceptions=False) as client:
    print(client.get("/api/health").status_code)
"""


def floor_app_source() -> str:
    spec = importlib.util.spec_from_file_location("bench_image", IMAGE_BENCH_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source: str = module.FLOOR_APP
    return source


def floor_health_status(tmp_path: Path, database_url: str, moto_server: str, bucket: str) -> str:
    (tmp_path / "floor_app.py").write_text(floor_app_source(), encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "S3_BUCKET": bucket,
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    answered = subprocess.run(
        [sys.executable, "-c", ASK_HEALTH], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert answered.returncode == 0, answered.stderr[-2000:]
    return answered.stdout.strip().splitlines()[-1]


@pytest.mark.postgres
def test_the_floor_answers_health_after_reaching_the_database_and_the_bucket(
    tmp_path: Path, postgres_url: str, moto_server: str, s3_bucket: str
) -> None:
    assert floor_health_status(tmp_path, postgres_url, moto_server, s3_bucket) == "200"


@pytest.mark.postgres
def test_the_floor_fails_health_when_its_bucket_is_missing(
    tmp_path: Path, postgres_url: str, moto_server: str
) -> None:
    assert floor_health_status(tmp_path, postgres_url, moto_server, "sa-test-no-such-bucket") == "500"


def test_the_floor_fails_health_when_its_database_is_unreachable(
    tmp_path: Path, moto_server: str, s3_bucket: str
) -> None:
    unreachable = "postgresql+psycopg2://postgres@127.0.0.1:1/nothing"
    assert floor_health_status(tmp_path, unreachable, moto_server, s3_bucket) == "500"
