"""The production image, built once per test session from a clean copy of the repository, then run.

Needs a Docker engine (started with start_dockerd.sh when there is none and this is root), and the
stand-in base images (standin_bases.py, cached by their inputs). Where neither can be had, the image tests
skip with one line saying why; under CI (CI=true), where they are required, that skip is a failure.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docker_engine import EngineError, build, clean_copy, engine_unavailable, running
from netns_relay import RelayError
from served_app import Served, cloud_env, wait_for_health
from standin_bases import StandinError, ensure_standins


def unavailable(reason: str) -> None:
    """One skip line; under CI=true tests/prerequisites.py reports it as a failure (the `image` marker)."""
    pytest.skip(reason)


@pytest.fixture(scope="session")
def app_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real Dockerfile built from a clean copy of the repository; yields the image's tag."""
    reason = engine_unavailable()
    if reason:
        unavailable(reason)
    context = clean_copy(tmp_path_factory.mktemp("image-context") / "repo")
    try:
        ensure_standins(context / "Dockerfile", say=lambda line: print(line, file=sys.stderr))
    except StandinError as exc:
        unavailable(f"the stand-in base images cannot be made here: {exc}")
    tag = f"storyanalytics-image-test:{secrets.token_hex(4)}"
    try:
        built = build(context, tag, tmp_path_factory.mktemp("image-build") / "build.log")
    except EngineError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield tag
    built.remove()  # the image and the web stage's, when this build made them: the engine is shared


@pytest.fixture(scope="session")
def local_served(app_image: str) -> Iterator[Served]:
    """The image's own CMD with no settings: local mode, SQLite and files under /app/data."""
    yield from _serve(app_image, "local", {})


@pytest.fixture(scope="session")
def cloud_served(
    app_image: str, moto_server: str, postgres_database_factory: Callable[[], str]
) -> Iterator[Served]:
    """The image in cloud mode: a fresh PostgreSQL database and a new bucket on the moto server."""
    bucket = f"sa-image-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1").create_bucket(Bucket=bucket)
    env = cloud_env(postgres_database_factory(), moto_server, bucket)
    database_port = make_url(env["DATABASE_URL"]).port or 5432
    ports = (database_port, int(moto_server.rsplit(":", 1)[1]))
    yield from _serve(app_image, "cloud", env, host_ports=ports, bucket=bucket)


@pytest.fixture(params=["local", "cloud"])
def served(request: pytest.FixtureRequest) -> Served:
    """The image in each mode (both containers live for the whole session)."""
    result: Served = request.getfixturevalue(f"{request.param}_served")
    return result


def _serve(
    image: str, mode: str, env: dict[str, str], *, host_ports: tuple[int, ...] = (), bucket: str | None = None
) -> Iterator[Served]:
    try:
        with running(image, env, host_ports=host_ports) as container:
            wait_for_health(container)
            yield Served(mode=mode, container=container, env=env, bucket=bucket)
    except RelayError as exc:
        unavailable(f"the containers' network cannot be reached from here: {exc}")
