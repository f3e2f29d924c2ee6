"""What the Dockerfile promises that running the image here cannot show: where its bases come from, and
how AWS Lambda reaches the app (the real build and run are in test_image_serves.py)."""

from __future__ import annotations

import re

from dockerfile_refs import exec_form, read_dockerfile

ECR_PUBLIC_LIBRARY = "public.ecr.aws/docker/library/"  # ECR Public's mirror of the Docker official images


def test_every_base_image_comes_from_the_ecr_public_mirror_not_docker_hub() -> None:
    bases = [stage.base for stage in read_dockerfile()]
    names = {stage.name for stage in read_dockerfile()}
    external = [base for base in bases if base not in names]
    assert external and all(base.startswith(ECR_PUBLIC_LIBRARY) for base in external), external


def test_image_carries_the_lambda_web_adapter_as_an_extension() -> None:
    runtime = read_dockerfile()[-1]
    adapter = [rest for rest in runtime.args("COPY") if "aws-lambda-adapter" in rest]
    assert len(adapter) == 1
    source, binary, target = adapter[0].split()
    assert re.fullmatch(r"--from=public\.ecr\.aws/awsguru/aws-lambda-adapter:\d+\.\d+\.\d+", source)
    assert (binary, target) == ("/lambda-adapter", "/opt/extensions/lambda-adapter")


def test_lambda_adapter_forwards_to_uvicorns_port_once_api_health_answers() -> None:
    runtime = read_dockerfile()[-1]
    env = runtime.env()
    (cmd,) = runtime.args("CMD")
    command = exec_form(cmd)
    assert env["AWS_LWA_PORT"] == command[command.index("--port") + 1]
    assert env["AWS_LWA_READINESS_CHECK_PATH"] == "/api/health"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
