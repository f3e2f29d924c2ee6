"""API clients over both setups the app supports.

`api` runs each test twice: local mode (SQLite + a local folder, auth off, the implicit local user) and
cloud mode (real PostgreSQL + S3 on the moto server, APP_MODE=cloud, auth on, admin bootstrapped).
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import uvicorn
from apiclient import BASE_URL, Api, cloud_settings, local_settings
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from live_server import LiveServer, MotoProcess, free_port
from publishing_helpers import CDN as EDGE_URL
from publishing_helpers import chart_with_data, png_bytes, put_snapshot
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storyanalytics.api import create_app, security
from storyanalytics.api.session_slots import WROTE
from storyanalytics.config import Settings
from storyanalytics.db import Base, upgrade


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still Argon2id, with the smallest cost, so tests that create users stay fast."""
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def start_api() -> Iterator[Callable[[Settings, str], Api]]:
    """Starts apps (lifespan included) and stops them at the end of the test."""
    clients: list[TestClient] = []

    def start(settings: Settings, mode: str) -> Api:
        app = create_app(settings)
        client = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        api = Api(app=app, client=client, settings=settings, mode=mode)
        if settings.auth_required and settings.admin_email and settings.admin_password:
            api.headers = api.login(settings.admin_email, settings.admin_password)
        return api

    yield start
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def shared_postgres_url(postgres_database_factory: Callable[[], str]) -> str:
    """One PostgreSQL database for the API tests, migrated once (creating one per test is slow)."""
    url = postgres_database_factory()
    upgrade(url)
    return url


@pytest.fixture
def api_postgres_url(shared_postgres_url: str) -> Iterator[str]:
    """The shared database, emptied before the test (the schema stays)."""
    engine = create_engine(shared_postgres_url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield shared_postgres_url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, copied for each test (running Alembic each time is slow)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "metadata.db"
    upgrade(f"sqlite:///{path.as_posix()}")
    return path


@pytest.fixture
def local_data_dir(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Path]:
    """A data folder with a migrated SQLite file; in RAM when possible, since every write is fsynced."""
    ram = Path("/dev/shm")
    data = Path(tempfile.mkdtemp(prefix="sa-api-", dir=ram)) if ram.is_dir() else tmp_path / "data"
    data.mkdir(exist_ok=True)
    shutil.copyfile(migrated_sqlite, data / "metadata.db")
    yield data
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(params=["local", pytest.param("cloud", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path, start_api: Callable[[Settings, str], Api]) -> Api:
    """The app in local mode (SQLite, folder) and in cloud mode (PostgreSQL, S3 on moto, auth on)."""
    if request.param == "local":
        return start_api(local_settings(request.getfixturevalue("local_data_dir")), "local")
    database_url: str = request.getfixturevalue("api_postgres_url")
    moto_server: str = request.getfixturevalue("moto_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    secret: str = request.getfixturevalue("jwt_secret")
    return start_api(cloud_settings(database_url, moto_server, bucket, secret), "cloud")


@pytest.fixture
def cloud_api(
    api_postgres_url: str,
    moto_server: str,
    s3_bucket: str,
    jwt_secret: str,
    start_api: Callable[[Settings, str], Api],
) -> Api:
    """Cloud mode only: for what needs several signed-in users (auth, teams, cross-team access)."""
    return start_api(cloud_settings(api_postgres_url, moto_server, s3_bucket, jwt_secret), "cloud")


@pytest.fixture
def local_api(local_data_dir: Path, start_api: Callable[[Settings, str], Api]) -> Api:
    return start_api(local_settings(local_data_dir), "local")


# --- A real server over real sockets, and an S3 that can be paused ---------------------------------
@pytest.fixture
def start_live_server() -> Iterator[Callable[[Settings], LiveServer]]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(settings: Settings) -> LiveServer:
        app = create_app(settings)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        servers.append((server, thread))
        return LiveServer(app=app, url=f"http://127.0.0.1:{port}", port=port)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def moto_process() -> Iterator[MotoProcess]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
    for _ in range(100):
        try:
            client.list_buckets()
            break
        except Exception:
            time.sleep(0.1)
    moto = MotoProcess(process, url)
    yield moto
    moto.resume()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def edge_bucket(s3_client: Any) -> str:
    name = f"sa-edge-{secrets.token_hex(6)}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def edge_api(
    api_postgres_url: str,
    moto_server: str,
    s3_bucket: str,
    edge_bucket: str,
    jwt_secret: str,
    web_dist: Path,
    start_api: Callable[[Settings, str], Api],
) -> Api:
    settings = cloud_settings(
        api_postgres_url,
        moto_server,
        s3_bucket,
        jwt_secret,
        edge_bucket=edge_bucket,
        edge_url=EDGE_URL,
        web_dist_dir=web_dist,
    )
    return start_api(settings, "cloud")


# --- A database that fails to save, for the storage-then-database paths ------------------------------
@pytest.fixture
def failing_database_writes() -> Callable[[Api], AbstractContextManager[None]]:
    """Within the block, every commit that would change the app's database fails (reads still work)."""

    @contextmanager
    def failing(api: Api) -> Iterator[None]:
        def refuse(session: Session) -> None:
            if session.info.get(WROTE) or session.new or session.dirty or session.deleted:
                raise OperationalError("COMMIT", {}, Exception("the database went away"))

        factory = api.app.state.session_factory
        event.listen(factory, "before_commit", refuse)
        try:
            yield
        finally:
            event.remove(factory, "before_commit", refuse)

    return failing


@pytest.fixture
def snapshotted_chart(api: Api) -> dict[str, Any]:
    """A chart with data and a 300 x 200 PNG snapshot, as the editor leaves it after a save."""
    chart = chart_with_data(api)
    assert put_snapshot(api, chart["id"], png_bytes(300, 200)).status_code == 204
    return chart
