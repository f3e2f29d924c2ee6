"""Availability: stalled clients, slow bodies, hung storage and the overall deadline never freeze the app."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from apiclient import ADMIN_EMAIL, ADMIN_PASSWORD, Api, local_settings
from live_server import LiveServer, MotoProcess

from storyanalytics.api.session_slots import SessionFreeStorage
from storyanalytics.config import Settings
from storyanalytics.storage import LocalStorageBackend, StorageUnavailable

STALLED_CLIENTS = 15  # more than the app's 10 database session slots


def signed_in_settings(data_dir: Path, jwt_secret: str, **overrides: Any) -> Settings:
    return local_settings(
        data_dir,
        auth_enabled=True,
        jwt_secret=jwt_secret,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        **overrides,
    )


def login(http: httpx.Client) -> dict[str, str]:
    response = http.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def stalled_uploads(server: LiveServer, path: str, token: str, count: int) -> Iterator[list[socket.socket]]:
    """`count` uploads that send their headers and a few bytes of a large body, then nothing more."""
    sockets = []
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {token}\r\n"
        "Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\nyear,value\n2020,1\n"
    ).encode()
    try:
        for _ in range(count):
            client = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            client.sendall(head)
            sockets.append(client)
        yield sockets
    finally:
        for client in sockets:
            client.close()


def test_stalled_uploads_never_block_login_or_database_routes(
    local_data_dir: Path, jwt_secret: str, start_live_server: Callable[[Settings], LiveServer]
) -> None:
    server = start_live_server(signed_in_settings(local_data_dir, jwt_secret))
    with httpx.Client(base_url=server.url, timeout=20) as http:
        headers = login(http)
        chart = http.post("/api/charts", json={"title": "Sales"}, headers=headers).json()
        path = f"/api/charts/{chart['id']}/data"
        with stalled_uploads(server, path, headers["Authorization"], STALLED_CLIENTS):
            # Let the server take in every stalled request before the others arrive.
            assert http.get("/api/health").status_code == 200
            for _ in range(3):
                assert login(http)
                listed = http.get("/api/charts", headers=headers)
                assert listed.status_code == 200 and listed.json()
                assert http.put(path, content=b"year,value\n2021,2\n", headers=headers).status_code == 200


def test_a_body_that_stops_arriving_is_dropped_with_408(
    local_data_dir: Path, jwt_secret: str, start_live_server: Callable[[Settings], LiveServer]
) -> None:
    server = start_live_server(signed_in_settings(local_data_dir, jwt_secret, body_idle_seconds=0.5))
    with httpx.Client(base_url=server.url, timeout=20) as http:
        headers = login(http)
    with stalled_uploads(server, "/api/uploads/parse", headers["Authorization"], 1) as (client,):
        answer = client.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 408")
    assert "too slowly" in answer


def test_a_config_over_the_size_limit_is_413_naming_it(api: Api) -> None:
    chart = api.chart()
    huge = {"notes": "x" * (1024 * 1024 + 1)}
    response = api.patch(f"/api/charts/{chart['id']}", json={"config": huge, "version": chart["version"]})
    assert response.status_code == 413
    assert "1024 KB (MAX_JSON_KB)" in response.json()["detail"]
    response = api.post("/api/dashboards", json={"title": "D", "layout": huge})
    assert response.status_code == 413


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/settings"), ("POST", "/api/charts"), ("POST", "/api/dashboards"), ("POST", "/api/themes")],
)
def test_deeply_nested_json_is_400_on_every_route(api: Api, method: str, path: str) -> None:
    for depth in (100, 100_000):
        body = '{"title": "T", "config": ' + nested(depth) + "}"
        response = api.request(method, path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text
        assert "nests deeper than 64 levels" in response.json()["detail"]


class HangingStorage(LocalStorageBackend):
    """A local folder whose reads and writes hang, like an S3 endpoint that stopped answering."""

    async def read(self, path: str) -> bytes:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def write(self, path: str, data: bytes) -> None:
        await asyncio.sleep(3600)


def test_a_request_past_its_deadline_answers_json_503(
    local_data_dir: Path, start_api: Callable[[Settings, str], Api]
) -> None:
    api = start_api(local_settings(local_data_dir, request_timeout_seconds=0.5), "local")
    api.app.state.storage = HangingStorage(local_data_dir)
    response = api.get("/api/settings")
    assert response.status_code == 503
    assert "REQUEST_TIMEOUT_SECONDS" in response.json()["detail"]
    assert response.headers["retry-after"]


def test_a_write_cut_off_by_the_deadline_says_it_may_have_been_saved(
    local_data_dir: Path, start_api: Callable[[Settings, str], Api]
) -> None:
    api = start_api(local_settings(local_data_dir, request_timeout_seconds=0.5), "local")
    api.app.state.storage = HangingStorage(local_data_dir)
    response = api.put("/api/settings", json={"site_title": "Late"})
    assert response.status_code == 503
    assert "may or may not have been saved: reload before trying again" in response.json()["detail"]


def s3_settings(data_dir: Path, moto: MotoProcess, bucket: str) -> Settings:
    return local_settings(
        data_dir,
        app_mode="local",
        storage_backend="s3",
        s3_bucket=bucket,
        aws_endpoint_url=moto.url,
        aws_region="us-east-1",
        database_url=f"sqlite:///{(data_dir / 'metadata.db').as_posix()}",
    )


@pytest.fixture
def paused_s3_app(
    local_data_dir: Path, moto_process: MotoProcess, start_api: Callable[[Settings, str], Api]
) -> Api:
    import boto3

    boto3.client("s3", endpoint_url=moto_process.url, region_name="us-east-1").create_bucket(Bucket="paused")
    settings = s3_settings(local_data_dir, moto_process, "paused")
    return start_api(settings.model_copy(update={"request_timeout_seconds": 60}), "local")


def health_until(api: Api, status: int) -> dict[str, Any]:
    """Probe as a load balancer does (every 0.25 s) until `status` comes back; bounded."""
    for _ in range(40):
        response = api.get("/api/health")
        if response.status_code == status:
            body: dict[str, Any] = response.json()
            return body
        time.sleep(0.25)
    raise AssertionError(f"/api/health never answered {status}")


def test_health_turns_503_when_s3_hangs_and_200_when_it_is_back(
    paused_s3_app: Api, moto_process: MotoProcess
) -> None:
    assert paused_s3_app.get("/api/health").status_code == 200
    moto_process.pause()
    assert health_until(paused_s3_app, 503)["storage"] == "unreachable"
    moto_process.resume()
    assert health_until(paused_s3_app, 200)["status"] == "ok"


@pytest.mark.timeout(120)
def test_editors_get_a_storage_503_with_retry_after_not_a_hang_while_s3_hangs(
    paused_s3_app: Api, moto_process: MotoProcess
) -> None:
    api = paused_s3_app
    assert api.put("/api/settings", json={"site_title": "Before"}).status_code == 200
    moto_process.pause()
    response = api.get("/api/settings")
    assert response.status_code == 503
    # The storage call itself gave up (the breaker's deadline), well before the request's own deadline.
    assert response.json()["detail"].startswith("Storage is not answering right now")
    assert int(response.headers["retry-after"]) >= 1


def test_while_s3_is_away_requests_fail_at_once_instead_of_each_waiting(
    paused_s3_app: Api, moto_process: MotoProcess
) -> None:
    storage = paused_s3_app.app.state.storage
    moto_process.pause()
    assert paused_s3_app.get("/api/settings").status_code == 503  # this one waits out the deadline
    with pytest.raises(StorageUnavailable, match="did not answer a moment ago"):
        asyncio.run(storage.read("settings.json"))
    assert paused_s3_app.get("/api/settings").status_code == 503


def test_health_is_503_at_once_while_the_breaker_is_open(
    paused_s3_app: Api, moto_process: MotoProcess
) -> None:
    moto_process.pause()
    assert paused_s3_app.get("/api/settings").status_code == 503
    paused_s3_app.app.state.health_cache = None
    body = paused_s3_app.get("/api/health").json()
    assert body["storage"] == "unreachable"


class CountedHangingStorage(HangingStorage):
    """HangingStorage that counts the calls waiting in it."""

    waiting = 0

    async def read(self, path: str) -> bytes:
        CountedHangingStorage.waiting += 1
        return await super().read(path)


STORAGE_WAITERS = 15  # more than the app's 10 database session slots


@pytest.mark.timeout(120)
def test_requests_waiting_on_storage_never_block_login_or_database_routes(
    local_data_dir: Path, jwt_secret: str, start_live_server: Callable[[Settings], LiveServer]
) -> None:
    settings = signed_in_settings(local_data_dir, jwt_secret, request_timeout_seconds=60)
    server = start_live_server(settings)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        headers = login(http)
        chart = http.post("/api/charts", json={"title": "Sales"}, headers=headers).json()
        CountedHangingStorage.waiting = 0
        server.app.state.storage = SessionFreeStorage(CountedHangingStorage(local_data_dir))
        patch = {"title": "Renamed", "version": chart["version"]}
        waiting = httpx.Client(base_url=server.url, timeout=15, headers=headers)
        pool = ThreadPoolExecutor(STORAGE_WAITERS)
        for _ in range(STORAGE_WAITERS):
            pool.submit(waiting.patch, f"/api/charts/{chart['id']}", json=patch)
        try:
            for _ in range(600):  # until every patch waits in storage (bounded: 30 s)
                if CountedHangingStorage.waiting >= STORAGE_WAITERS:
                    break
                time.sleep(0.05)
            assert CountedHangingStorage.waiting >= STORAGE_WAITERS
            assert login(http)
            listed = http.get("/api/charts", headers=headers)
            assert listed.status_code == 200 and listed.json()[0]["title"] == "Sales"
            assert http.get("/api/teams", headers=headers).status_code == 200
        finally:
            pool.shutdown(wait=False)  # the hung patches end with the server


def test_an_s3_call_without_an_answer_in_time_is_storage_unavailable(moto_process: MotoProcess) -> None:
    import boto3

    from storyanalytics.storage import S3StorageBackend
    from storyanalytics.storage.s3 import S3Timeouts

    boto3.client("s3", endpoint_url=moto_process.url, region_name="us-east-1").create_bucket(Bucket="slow")
    timeouts = S3Timeouts(connect=1, read=60, attempts=1, answer=0.3)
    storage = S3StorageBackend(
        "slow", endpoint_url=moto_process.url, region_name="us-east-1", timeouts=timeouts
    )
    asyncio.run(storage.write("a.json", b"{}"))
    moto_process.pause()
    with pytest.raises(StorageUnavailable, match=r"did not answer within 0\.3 s"):
        asyncio.run(storage.read("a.json"))
