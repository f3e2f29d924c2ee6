"""A CSV larger than a Lambda function URL accepts reaches the chart through the bucket, in the browser."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from e2e_support import free_port, running_app
from function_url_standin import FUNCTION_URL_PAYLOAD_LIMIT, function_url_standin

pytestmark = pytest.mark.browser
ADMIN = {"ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "correct horse battery"}
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
MOTO_WITH_CORS = Path(__file__).with_name("moto_cors_server.py")


@contextlib.contextmanager
def moto_with_bucket_cors_only() -> Iterator[str]:
    """A moto server in its own process with moto's allow-everything CORS off: the bucket's rule decides."""
    port = free_port()
    env = {**os.environ, **FAKE_AWS, "MOTO_DISABLE_GLOBAL_CORS": "true"}
    proc = subprocess.Popen(
        [sys.executable, str(MOTO_WITH_CORS), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def large_csv(min_bytes: int) -> bytes:
    rows = ["region,year,value"]
    size, i = 0, 0
    while size <= min_bytes:
        row = f"region-{i % 97},{2000 + i % 25},{i * 0.5}"
        rows.append(row)
        size += len(row) + 1
        i += 1
    return ("\n".join(rows) + "\n").encode()


def test_csv_larger_than_the_function_url_limit_uploads_through_the_bucket(
    page, tmp_path: Path, shot: Callable[..., Path]
) -> None:  # type: ignore[no-untyped-def]
    csv_path = tmp_path / "big.csv"
    csv_path.write_bytes(large_csv(FUNCTION_URL_PAYLOAD_LIMIT + 512 * 1024))
    with moto_with_bucket_cors_only() as moto:
        s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1", **_keys())
        s3.create_bucket(Bucket="sa-direct-upload")
        env = {
            **FAKE_AWS,
            **ADMIN,
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "sa-direct-upload",
            "AWS_ENDPOINT_URL": moto,
            "JWT_SECRET": "e2e-" + "s" * 40,
        }
        with (
            running_app(tmp_path, tmp_path / "server.log", **env) as app,
            function_url_standin(app) as (
                url,
                standin,
            ),
        ):
            # The bucket's CORS rule names exactly the app's origin, as the deployer writes it.
            s3.put_bucket_cors(
                Bucket="sa-direct-upload",
                CORSConfiguration={"CORSRules": [{"AllowedOrigins": [url], "AllowedMethods": ["POST"]}]},
            )
            page.goto(url)
            page.get_by_test_id("login-email").fill(ADMIN["ADMIN_EMAIL"])
            page.get_by_test_id("login-password").fill(ADMIN["ADMIN_PASSWORD"])
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id("new-chart").click()
            page.get_by_test_id("editor").wait_for()
            chart_id = page.url.rstrip("/").split("/")[-1]
            page.get_by_test_id("csv-file").set_input_files(str(csv_path))
            page.get_by_test_id("data-preview").wait_for(timeout=60_000)
            shot("large-csv-in-the-chart")

            assert page.get_by_test_id("column-type-value").inner_text() == "number"
            assert standin.largest_body < FUNCTION_URL_PAYLOAD_LIMIT
            stored = s3.list_objects_v2(Bucket="sa-direct-upload", Prefix=f"uploads/{chart_id}/")["Contents"]
            assert [item["Size"] for item in stored] == [csv_path.stat().st_size]
            assert "Contents" not in s3.list_objects_v2(Bucket="sa-direct-upload", Prefix="incoming/")


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
