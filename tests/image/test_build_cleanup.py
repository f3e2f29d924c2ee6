"""Builds on the shared engine remove what they made, the earlier stages' untagged images included, and
nothing they found in the cache (another build's)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from docker_engine import EngineError, build, docker, stage_images_made
from dockerfile_refs import external_images

LOG = """Step 1/6 : FROM node:20-slim AS web
 ---> 1111aaaa1111
Step 2/6 : RUN npm ci
 ---> Running in 5555eeee5555
Removing intermediate container 5555eeee5555
 ---> 2222bbbb2222
Step 3/6 : RUN npm run build
 ---> {build_step}
Step 4/6 : FROM python:3.11-slim AS runtime
 ---> 4444dddd4444
Step 5/6 : COPY --from=web /web/dist /app/web/dist
 ---> 6666ffff6666
Step 6/6 : CMD ["uvicorn"]
 ---> 7777aaaa7777
Successfully built 7777aaaa7777
"""
MADE = "Running in 8888bbbb8888\nRemoving intermediate container 8888bbbb8888\n ---> 3333cccc3333"
CACHED = "Using cache\n ---> 3333cccc3333"


def test_build_log_names_the_earlier_stage_image_the_build_made() -> None:
    assert stage_images_made(LOG.format(build_step=MADE)) == ("3333cccc3333",)


def test_build_log_leaves_out_an_earlier_stage_image_found_in_the_cache() -> None:
    assert stage_images_made(LOG.format(build_step=CACHED)) == ()


def test_build_log_never_names_a_base_image() -> None:
    log = "Step 1/2 : FROM node:20-slim AS web\n ---> 1111aaaa1111\nStep 2/2 : FROM python:3.11-slim\n"
    assert stage_images_made(log + " ---> 4444dddd4444\n") == ()


def test_failed_build_log_names_the_last_stage_too() -> None:
    failed = LOG.format(build_step=MADE).split("Step 6/6")[0]
    assert stage_images_made(failed, tagged=False) == ("3333cccc3333", "6666ffff6666")


@pytest.mark.image
@pytest.mark.slow
def test_two_stage_build_leaves_no_image_behind_once_removed(app_image: str, tmp_path: Path) -> None:
    base = external_images().bases[-1]  # a stand-in the session's build already made sure of
    marker = secrets.token_hex(8)  # a step no other build has, so this build makes its images itself
    stages = [
        f"FROM {base} AS first",
        f"RUN echo {marker} > /marker",
        f"FROM {base}",
        "COPY --from=first /marker /",
    ]
    (tmp_path / "Dockerfile").write_text("\n".join(stages) + "\n", encoding="utf-8")
    try:
        built = build(tmp_path, f"sa-cleanup-test:{marker}", tmp_path / "build.log")
    except EngineError as exc:
        pytest.fail(str(exc), pytrace=False)
    assert len(built.stage_images) == 1
    built.remove()
    left = [
        image
        for image in (built.tag, *built.stage_images)
        if docker("image", "inspect", image, check=False).returncode == 0
    ]
    assert not left, left
