"""Shared fixtures: a real moto server over HTTP, a fresh PostgreSQL database, local data folders."""

from __future__ import annotations

import importlib.util
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

# Tests never talk to a real AWS account: fake credentials, a fixed region, no config files.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}.items():
    os.environ[_name] = _value
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "STORAGE_BACKEND", "DATABASE_URL", "APP_MODE", "JWT_SECRET"):
    os.environ.pop(_name, None)

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
TEST_JWT_SECRET = "test-secret-" + "x" * 40

# Missing PostgreSQL, Chromium, node or checkov: a skip on a laptop, a failure under CI=true.
pytest_plugins = ["prerequisites", "pytester"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def jwt_secret() -> str:
    """TEST_JWT_SECRET, for tests in folders that cannot import this module."""
    return TEST_JWT_SECRET


# --- AWS through a real HTTP server ----------------------------------------------------------------
# Stand-in for a roomy account: moto keeps one account for the whole run and every deployed stack adds
# a VPC, while the deploy's preflight checks the VPCs-per-Region quota (moto answers AWS's default, 5).
ROOMY_VPC_QUOTA = 1000.0


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port (with a roomy VPC quota); yields its endpoint URL."""
    from moto.servicequotas.resources.default_quotas.vpc import VPC_DEFAULT_QUOTAS

    for quota in VPC_DEFAULT_QUOTAS:
        if quota["QuotaCode"] == "L-F678F1CE":  # VPCs per Region
            quota["Value"] = ROOMY_VPC_QUOTA
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_client(moto_server: str):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")


@pytest.fixture
def s3_bucket(s3_client) -> str:  # type: ignore[no-untyped-def]
    """A new, empty bucket on the moto server for each test."""
    name = f"sa-test-{secrets.token_hex(6)}"
    s3_client.create_bucket(Bucket=name)
    return name


# --- PostgreSQL ---------------------------------------------------------------------------------------
def _postgres_reason() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError:
        return f"PostgreSQL not reachable at {make_url(POSTGRES_ADMIN_URL).render_as_string()}"
    return None


@pytest.fixture(scope="session")
def postgres_database_factory() -> Iterator[Callable[[], str]]:
    """Makes fresh, empty PostgreSQL databases and drops them all at the end of the run."""
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"sa_test_{os.getpid()}_{secrets.token_hex(4)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_database_factory: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL database for this test."""
    return postgres_database_factory()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'metadata.db').as_posix()}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each dialect the app supports."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'metadata.db').as_posix()}"
    factory: Callable[[], str] = request.getfixturevalue("postgres_database_factory")
    return factory()


# --- The built web app ---------------------------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parents[1]


def load_e2e_support() -> ModuleType:
    """The browser tests' helper module, which knows how to build web/ only when stale."""
    spec = importlib.util.spec_from_file_location(
        "e2e_support", REPO_ROOT / "tests" / "e2e" / "e2e_support.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def e2e_support() -> ModuleType:
    return load_e2e_support()


@pytest.fixture(scope="session")
def web_dist(e2e_support: ModuleType) -> Path:
    """The real built web app (web/dist), built now if missing or stale."""
    if not (REPO_ROOT / "web" / "package.json").is_file():
        pytest.skip("web/package.json is missing: the web app is not there to build")
    try:
        e2e_support.ensure_web_built()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    dist: Path = e2e_support.DIST
    if not (dist / "index.html").is_file() or not (dist / "embed.html").is_file():
        pytest.skip("web/dist is not built and npm is missing")
    return dist
