"""The production image, side by side with a minimal FastAPI image built and run the same way, in one run.

    python bench/image.py [--runs 5] [--skip-cold]

- build time, cold (`--no-cache`) and cached (nothing changed), for information;
- size of the image above its base (the runtime stage's FROM): target under 200 MB;
- time from `docker run` to the first 200 on /api/health, ours in cloud mode (a PostgreSQL database and a
  moto S3 server) vs the minimal image's: target under 2 s and within 1.5x of the minimal image;
- for information, the same time for the *floor*: our image running only what any app on our libraries
  must do before that answer (FLOOR_APP: load pydantic-settings, SQLAlchemy's ORM, psycopg2 and botocore,
  make the engine and the S3 client; the health route runs SELECT 1 and one HeadBucket), with every start-up
  saving ours takes. The floor tells what part of the start is the app's own code and what part is the
  libraries the design requires: ours / floor is the app's own share, floor / minimal the libraries'.

Both images build with the classic builder and `--network host` on the stand-in bases (tests/image), the
minimal one with the same settings and the same standard-library bytecode step as ours (its CMD is plain
uvicorn; ours is the Dockerfile's), and run in a network namespace of their own reached through the same
relay (tests/image/netns_relay.py). Each image
starts once uncounted first (ours then migrates the new database and makes the admin, as a deploy's first
start does), then --runs times each, alternating. The machine's load average is printed with the figures.
Everything built here is removed at the end, the earlier stages' untagged images included.
Exits non-zero when a target is missed or cannot be measured (bench/gate.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import httpx
from moto.server import ThreadedMotoServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "image"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from docker_engine import Built, EngineError, build, clean_copy, engine_unavailable, image_size, running
from dockerfile_refs import read_dockerfile
from gate import Gate
from netns_relay import RelayError
from served_app import cloud_env
from standin_bases import StandinError, ensure_standins

POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
START_TARGET_S = 2.0
START_RATIO_TARGET = 1.5
SIZE_TARGET_MB = 200
MINIMAL_APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
"""
FLOOR_APP = """\"\"\"A start on our libraries doing only their work, none of the app's (bench/image.py).\"\"\"

import gc

gc.disable()  # as storyanalytics.asgi: the floor takes every start-up saving ours takes

from contextlib import asynccontextmanager  # noqa: E402

import botocore.session  # noqa: E402
import sqlalchemy.orm  # noqa: E402, F401  (the app's models are ORM classes)
from fastapi import FastAPI  # noqa: E402
from pydantic_settings import BaseSettings  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402


class Settings(BaseSettings):
    database_url: str
    s3_bucket: str
    aws_endpoint_url: str | None = None
    aws_region: str = "us-east-1"


settings = Settings()
engine = create_engine(settings.database_url, use_native_hstore=False)
s3 = botocore.session.get_session().create_client(
    "s3", endpoint_url=settings.aws_endpoint_url, region_name=settings.aws_region
)


@asynccontextmanager
async def lifespan(app: FastAPI):
    gc.freeze()
    gc.enable()
    yield
    engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/api/health")
def health() -> dict[str, str]:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    s3.head_bucket(Bucket=settings.s3_bucket)
    return {"status": "ok"}
"""
# The floor runs in our image itself, so its libraries, Python and bytecode are exactly ours.
FLOOR_DOCKERFILE = """FROM {ours}
COPY floor_app.py ./
CMD ["uvicorn", "floor_app:app", "--host", "0.0.0.0", "--port", "8000", "--ws", "none"]
"""
MINIMAL_DOCKERFILE = """FROM {base}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN pip install fastapi "uvicorn[standard]" \\
    && python -m compileall -q -j 0 "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
COPY app.py ./
RUN useradd --system --uid 10001 --user-group app
USER app
EXPOSE 8000
CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]
"""


def builds(context: Path, tag: str, logs: Path, cold: bool, made: list[Built]) -> tuple[float | None, float]:
    """(cold seconds or None, cached seconds) for one image; each build is added to `made` to remove."""
    name = tag.replace(":", "-")
    if cold:
        made.append(build(context, tag, logs / f"{name}-cold.log", no_cache=True))
    made.append(build(context, tag, logs / f"{name}-cached.log"))
    cold_s, cached_s = (made[-2].seconds if cold else None), made[-1].seconds
    print(f"  {tag}: cold {fmt(cold_s)}, cached {fmt(cached_s)}")
    return cold_s, cached_s


def seconds_to_first_200(image: str, env: dict[str, str], host_ports: tuple[int, ...]) -> float:
    # The image's own health-check schedule, as in production: the tests' every-second checks would each
    # start a Python process beside the app while it starts.
    with running(image, env, host_ports=host_ports, quick_health=False) as container:
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            try:
                if httpx.get(f"{container.url}/api/health", timeout=1).status_code == 200:
                    return time.perf_counter() - container.started
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
        raise EngineError(f"{image} never answered 200 on /api/health; its log:\n{container.logs()[-2000:]}")


def fresh_database() -> tuple[str, Callable[[], None]]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"sa_bench_image_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="starts of each image (median reported)")
    parser.add_argument("--skip-cold", action="store_true", help="skip the --no-cache builds (minutes)")
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the moto server's request lines
    gate = Gate()
    reason = engine_unavailable()
    if reason:
        print(f"No Docker engine: {reason}")
        gate.unmeasured("image benchmark", reason)
        return gate.finish()

    with tempfile.TemporaryDirectory(prefix="bench-image-") as work:
        work_dir = Path(work)
        ours_context = clean_copy(work_dir / "repo")
        base = read_dockerfile(ours_context / "Dockerfile")[-1].base
        minimal_context = work_dir / "minimal"
        minimal_context.mkdir()
        (minimal_context / "app.py").write_text(MINIMAL_APP, encoding="utf-8")
        (minimal_context / "Dockerfile").write_text(MINIMAL_DOCKERFILE.format(base=base), encoding="utf-8")
        floor_context = work_dir / "floor"
        floor_context.mkdir()
        (floor_context / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
        try:
            ensure_standins(ours_context / "Dockerfile")
        except StandinError as exc:
            gate.unmeasured("image benchmark", str(exc))
            return gate.finish()

        run_id = secrets.token_hex(4)
        ours, minimal = f"storyanalytics-bench:{run_id}", f"minimal-fastapi-bench:{run_id}"
        floor = f"storyanalytics-floor-bench:{run_id}"
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        drop_database: Callable[[], None] | None = None
        made: list[Built] = []
        try:
            print(f"Building both images (cold builds: {'skipped' if options.skip_cold else 'yes'})...")
            ours_builds = builds(ours_context, ours, work_dir, not options.skip_cold, made)
            minimal_builds = builds(minimal_context, minimal, work_dir, not options.skip_cold, made)
            (floor_context / "Dockerfile").write_text(FLOOR_DOCKERFILE.format(ours=ours), encoding="utf-8")
            made.append(build(floor_context, floor, work_dir / "floor.log"))
            base_bytes = image_size(base)
            ours_above = (image_size(ours) - base_bytes) / 1e6
            minimal_above = (image_size(minimal) - base_bytes) / 1e6

            host, port = moto.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            bucket = f"sa-bench-{run_id}"
            s3 = boto3.client(
                "s3",
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="bench",  # the moto server takes any credentials
                aws_secret_access_key="bench",
            )
            s3.create_bucket(Bucket=bucket)
            database_url, drop_database = fresh_database()
            env = cloud_env(database_url, endpoint, bucket)
            ports = (make_url(database_url).port or 5432, port)
            seconds_to_first_200(ours, env, ports)  # uncounted: migrates and makes the admin
            seconds_to_first_200(minimal, {}, ())
            seconds_to_first_200(floor, env, ports)
            ours_starts: list[float] = []
            minimal_starts: list[float] = []
            floor_starts: list[float] = []
            for _ in range(options.runs):  # alternating, so all see the same machine load
                ours_starts.append(seconds_to_first_200(ours, env, ports))
                minimal_starts.append(seconds_to_first_200(minimal, {}, ()))
                floor_starts.append(seconds_to_first_200(floor, env, ports))
        except (EngineError, RelayError) as exc:
            print(f"Cannot measure: {exc}")
            gate.unmeasured("image benchmark", str(exc).splitlines()[0])
            return gate.finish()
        finally:
            moto.stop()
            if drop_database is not None:
                drop_database()
            for built in made:
                built.remove()

    ours_start, minimal_start = statistics.median(ours_starts), statistics.median(minimal_starts)
    ratio = ours_start / minimal_start
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nBase image: {base} (stand-in), {base_bytes / 1e6:.0f} MB")
    print(f"Load average while measuring: {load} on {os.cpu_count()} cores")
    print(f"{'':34}{'ours':>14}{'minimal':>14}{'ratio':>8}{'target':>10}  verdict")
    print(f"{'build, cold':34}{fmt(ours_builds[0]):>14}{fmt(minimal_builds[0]):>14}{'':>8}{'-':>10}  info")
    print(f"{'build, cached':34}{fmt(ours_builds[1]):>14}{fmt(minimal_builds[1]):>14}{'':>8}{'-':>10}  info")
    size_verdict = gate.record(f"layers above the base < {SIZE_TARGET_MB} MB", ours_above < SIZE_TARGET_MB)
    print(
        f"{'size above the base':34}{ours_above:>11.0f} MB{minimal_above:>11.0f} MB{'':>8}"
        f"{f'<{SIZE_TARGET_MB} MB':>10}  {size_verdict}"
    )
    start_verdict = gate.record(f"docker run to first 200 < {START_TARGET_S} s", ours_start < START_TARGET_S)
    ratio_verdict = gate.record(
        f"start within {START_RATIO_TARGET}x the minimal image", ratio <= START_RATIO_TARGET
    )
    print(
        f"{'docker run -> first 200 (median)':34}{ours_start:>12.2f} s{minimal_start:>12.2f} s{ratio:>7.2f}x"
        f"{f'<{START_TARGET_S:.0f} s':>10}  {start_verdict}, ratio {ratio_verdict}"
    )
    print(f"  each start, ours (cloud mode): {', '.join(f'{s:.2f}' for s in ours_starts)}")
    print(f"  each start, minimal:           {', '.join(f'{s:.2f}' for s in minimal_starts)}")
    floor_start = statistics.median(floor_starts)
    print(f"  each start, floor:             {', '.join(f'{s:.2f}' for s in floor_starts)}")
    print(
        f"\nFloor (our libraries' work only, FLOOR_APP): {floor_start:.2f} s ="
        f" {floor_start / minimal_start:.2f}x the minimal image; ours is {ours_start / floor_start:.2f}x the"
        f" floor (the app's own share: {ours_start - floor_start:.2f} s of the"
        f" {ours_start - minimal_start:.2f} s above the minimal image)."
    )
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
