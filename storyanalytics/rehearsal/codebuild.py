"""REHEARSAL: a stand-in that plays AWS CodeBuild's part offline, without Docker.

It takes the same StartBuild request the CodeBuild builder sends and runs the checks the real build
would depend on: the source bundle in the (moto) artifacts bucket is a ZIP with the Dockerfile, its base
images come from ECR Public, the buildspec builds a single-manifest image and pushes the requested tag,
and the bundle's key matches that tag. Then it registers a labelled placeholder image with moto's ECR and
writes its log lines to moto's CloudWatch Logs, so the builder streams them as it would from AWS.
The project itself is moto's (created through the CloudFormation stand-in), so StartBuild is moto's too.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from typing import Any

import boto3
import yaml

from storyanalytics.deploy.builders.bundle import SourceBundle
from storyanalytics.rehearsal.images import put_placeholder_image

LABEL = "REHEARSAL: CodeBuild stand-in (offline; nothing is built, no Docker)"
ECR_PUBLIC_LIBRARY = "public.ecr.aws/docker/library/"
SINGLE_MANIFEST_FLAGS = ("--provenance=false", "--sbom=false", "--push", '"$REPOSITORY_URI:$IMAGE_TAG"')


class RehearsalBuildCheckFailed(Exception):
    def __init__(self, phase: str, message: str) -> None:
        super().__init__(message)
        self.phase = phase


class RehearsalCodeBuild:
    """Answers start_build and batch_get_builds like the CodeBuild client the builder uses."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        def client(service: str) -> Any:
            return boto3.client(service, endpoint_url=endpoint_url, region_name=region)  # type: ignore[call-overload]

        self._codebuild, self._s3, self._ecr, self._logs = (
            client("codebuild"),
            client("s3"),
            client("ecr"),
            client("logs"),
        )
        self.builds: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []

    def start_build(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        build = dict(self._codebuild.start_build(projectName=request["projectName"])["build"])
        project = self._codebuild.batch_get_projects(names=[request["projectName"]])["projects"][0]
        group = ((project.get("logsConfig") or {}).get("cloudWatchLogs") or {}).get("groupName")
        lines = [LABEL]
        try:
            lines += self._play(request)
            status, failed = "SUCCEEDED", None
        except RehearsalBuildCheckFailed as exc:
            lines.append(f"REHEARSAL: {exc}")
            status, failed = "FAILED", exc
        stream = str(build["id"]).split(":", 1)[-1]
        if group:
            # No event may be over 14 days old (PutLogEvents, botocore/data/logs/2014-03-28/service-2.json)
            now = int(time.time() * 1000)
            self._logs.create_log_stream(logGroupName=group, logStreamName=stream)
            self._logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": now, "message": line} for line in lines],
            )
        phases: list[dict[str, Any]] = [
            {"phaseType": p, "phaseStatus": "SUCCEEDED"} for p in ("DOWNLOAD_SOURCE", "PRE_BUILD", "BUILD")
        ]
        if failed is not None:
            at = [p["phaseType"] for p in phases].index(failed.phase)
            failing = {
                "phaseType": failed.phase,
                "phaseStatus": "FAILED",
                "contexts": [{"message": str(failed)}],
            }
            phases = [*phases[:at], failing]
        self.builds[str(build["id"])] = {
            **build,
            "buildStatus": status,
            "buildComplete": True,
            "currentPhase": "COMPLETED",
            "phases": phases,
            "logs": {"groupName": group, "streamName": stream} if group else {},
        }
        return {"build": build}

    def batch_get_builds(self, ids: list[str]) -> dict[str, Any]:
        return {"builds": [self.builds[i] for i in ids if i in self.builds]}

    # --- the checks the real build depends on ----------------------------------------------------------
    def _play(self, request: dict[str, Any]) -> list[str]:
        variables = {v["name"]: v["value"] for v in request.get("environmentVariablesOverride", [])}
        tag, repository_uri = variables.get("IMAGE_TAG", ""), variables.get("REPOSITORY_URI", "")
        files = self._bundle_files(request, tag)
        lines = [f"bundle: {len(files)} files, Dockerfile found, base images from ECR Public"]
        self._check_buildspec(str(request.get("buildspecOverride", "")))
        lines.append(
            "buildspec: logs in to ECR, builds one image manifest, pushes $REPOSITORY_URI:$IMAGE_TAG"
        )
        repository = repository_uri.split("/", 1)[-1]
        put_placeholder_image(self._ecr, repository, tag)
        lines.append(f"registered placeholder image {repository_uri}:{tag} (nothing was built)")
        return lines

    def _bundle_files(self, request: dict[str, Any], tag: str) -> list[str]:
        if request.get("sourceTypeOverride") != "S3":
            raise RehearsalBuildCheckFailed("DOWNLOAD_SOURCE", "the source is not an S3 bundle")
        bucket, _, key = str(request.get("sourceLocationOverride", "")).partition("/")
        if not tag or key != SourceBundle.key(tag):
            raise RehearsalBuildCheckFailed("DOWNLOAD_SOURCE", f"bundle {key!r} does not match tag {tag!r}")
        data = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "Dockerfile" not in names:
                raise RehearsalBuildCheckFailed("DOWNLOAD_SOURCE", "the bundle has no Dockerfile")
            dockerfile = archive.read("Dockerfile").decode()
        bases = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE | re.IGNORECASE)
        if not bases or not all(base.startswith(ECR_PUBLIC_LIBRARY) for base in bases):
            raise RehearsalBuildCheckFailed(
                "BUILD", f"base images must come from {ECR_PUBLIC_LIBRARY}: {bases}"
            )
        return names

    @staticmethod
    def _check_buildspec(text: str) -> None:
        spec = yaml.safe_load(text) or {}
        commands = " ".join(
            str(command)
            for phase in (spec.get("phases") or {}).values()
            for command in (phase or {}).get("commands", [])
        )
        missing = [flag for flag in SINGLE_MANIFEST_FLAGS if flag not in commands]
        if str(spec.get("version")) != "0.2" or "docker login" not in commands or missing:
            raise RehearsalBuildCheckFailed(
                "BUILD", f"the buildspec does not build and push the tag: {missing}"
            )
