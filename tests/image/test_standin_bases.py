"""The stand-in base images: made under exactly the names the Dockerfile uses, and labelled as stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest
from docker_engine import docker
from dockerfile_refs import external_images
from standin_bases import INPUTS_LABEL, STANDIN_LABEL, StandinError, inputs_digest, kind_of

SAMPLE = """# syntax=docker/dockerfile:1
FROM --platform=linux/amd64 public.ecr.aws/docker/library/node:20-slim AS web
RUN npm ci
FROM public.ecr.aws/docker/library/python:3.11-slim AS runtime
COPY --from=web /web/dist /app/web/dist
COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1 /lambda-adapter /opt/extensions/lambda-adapter
FROM runtime AS test
COPY --from=0 /web /web
"""


def test_stand_ins_cover_every_outside_image_the_dockerfile_names_but_not_its_stages(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(SAMPLE, encoding="utf-8")
    found = external_images(dockerfile)
    assert found.bases == (
        "public.ecr.aws/docker/library/node:20-slim",
        "public.ecr.aws/docker/library/python:3.11-slim",
    )
    assert found.copied_from == {"public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1": ("/lambda-adapter",)}


@pytest.mark.parametrize(
    ("image", "kind"),
    [
        ("public.ecr.aws/docker/library/python:3.11-slim", "python"),
        ("python:3.12-slim-bookworm", "python"),
        ("public.ecr.aws/docker/library/node:20-slim", "node"),
    ],
)
def test_stand_in_recipe_follows_the_base_images_repository_name(image: str, kind: str) -> None:
    assert kind_of(image) == kind


def test_a_base_with_no_stand_in_recipe_is_refused_with_what_to_do() -> None:
    with pytest.raises(StandinError, match=r"no stand-in recipe for the base image 'alpine:3\.20'.*add one"):
        kind_of("alpine:3.20")


@pytest.mark.image
@pytest.mark.slow
def test_stand_ins_the_build_used_are_labelled_with_their_inputs(app_image: str) -> None:
    refs = external_images()
    for image in (*refs.bases, *refs.copied_from):
        labels = docker("image", "inspect", "--format", "{{json .Config.Labels}}", image).stdout
        kind = "placeholder" if image in refs.copied_from else kind_of(image)
        assert f'"{STANDIN_LABEL}":"true"' in labels, (image, labels)
        assert f'"{INPUTS_LABEL}":"{inputs_digest(image, kind, refs.copied_from.get(image))}"' in labels
