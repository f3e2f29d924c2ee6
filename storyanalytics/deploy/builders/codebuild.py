"""The CodeBuild builder: the image is built in the user's own AWS account, no local Docker needed.

Flow: zip the project (bundle.py) -> put it in the bootstrap artifacts bucket -> StartBuild on the
bootstrap stack's project with this bundle, the buildspec and the tag -> poll BatchGetBuilds while its
CloudWatch log lines stream to the caller -> on failure, the failing phase and the last log lines.
API shapes: boto/botocore botocore/data/codebuild/2016-10-06/service-2.json (StartBuild, BatchGetBuilds,
Build, BuildPhase, PhaseContext, LogsLocation) and botocore/data/logs/2014-03-28/service-2.json.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.builders.base import LogSink, PushTarget
from storyanalytics.deploy.builders.buildspec import BUILDSPEC
from storyanalytics.deploy.builders.bundle import SourceBundle, make_bundle
from storyanalytics.deploy.errors import ImageError, aws_error_message, error_code
from storyanalytics.deploy.image import CommandRunner, require_image

# BuildPhase.phaseStatus / Build.buildStatus values (StatusType in the CodeBuild API model).
FAILED_STATUSES = frozenset({"FAILED", "FAULT", "TIMED_OUT", "STOPPED"})
LAST_LOG_LINES = 20
DEFAULT_BUILD_TIMEOUT_SECONDS = 45 * 60


@dataclass
class CodeBuildBuilder:
    """Builds in the bootstrap stack's CodeBuild project; `on_log` receives each build log line."""

    runner: CommandRunner
    project_dir: Path
    clients: Callable[[str], Any]  # service name -> boto3 client (s3, codebuild, logs, ecr)
    project_name: str
    bucket: str
    on_log: LogSink = print
    poll_interval: float = 5.0
    timeout: float = DEFAULT_BUILD_TIMEOUT_SECONDS
    sleep: Callable[[float], None] = time.sleep
    name: str = "codebuild"
    last_lines: deque[str] = field(default_factory=lambda: deque(maxlen=LAST_LOG_LINES))

    def build_and_push(self, target: PushTarget) -> str:
        bundle = make_bundle(self.runner, self.project_dir)
        key = self._upload(bundle, target.tag)
        build = self._start(key, target)
        final = self._follow(str(build["id"]))
        status = final.get("buildStatus")
        if status != "SUCCEEDED":
            raise build_failure(final, list(self.last_lines))
        require_image(self.clients("ecr"), target.repository_name, target.tag)
        return target.image_uri

    # --- steps -------------------------------------------------------------------------------------------
    def _upload(self, bundle: SourceBundle, tag: str) -> str:
        key = SourceBundle.key(tag)
        try:
            self.clients("s3").put_object(
                Bucket=self.bucket, Key=key, Body=bundle.data, ContentType="application/zip"
            )
        except (ClientError, BotoCoreError) as exc:
            raise ImageError(
                f"Could not upload the source bundle to s3://{self.bucket}/{key}: {aws_error_message(exc)}."
            ) from None
        return key

    def _start(self, key: str, target: PushTarget) -> dict[str, Any]:
        registry = target.repository_uri.split("/", 1)[0]  # <account>.dkr.ecr.<region>.amazonaws.com
        variables = {
            "REGISTRY": registry,
            "ECR_REGION": registry.split(".")[3] if registry.count(".") >= 4 else "",
            "REPOSITORY_URI": target.repository_uri,
            "IMAGE_TAG": target.tag,
        }
        try:
            response = self.clients("codebuild").start_build(
                projectName=self.project_name,
                # An S3 source is "bucket-name/path/to/object-name.zip":
                # https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsCodeBuildProjectSource.html
                sourceTypeOverride="S3",
                sourceLocationOverride=f"{self.bucket}/{key}",
                buildspecOverride=BUILDSPEC,
                environmentVariablesOverride=[
                    {"name": name, "value": value, "type": "PLAINTEXT"} for name, value in variables.items()
                ],
            )
        except (ClientError, BotoCoreError) as exc:
            hint = (
                " Update the bootstrap stack (deploy again) so it has the build project."
                if error_code(exc) == "ResourceNotFoundException"
                else ""
            )
            raise ImageError(
                f"Could not start the image build in CodeBuild project {self.project_name}: "
                f"{aws_error_message(exc)}.{hint}"
            ) from None
        return dict(response["build"])

    def _follow(self, build_id: str) -> dict[str, Any]:
        """Poll until the build completes, streaming its log lines; returns the final Build."""
        deadline = time.monotonic() + self.timeout
        token: str | None = None
        while True:
            build = self._describe(build_id)
            token = self._stream_logs(build.get("logs") or {}, token)
            if build.get("buildComplete") or build.get("buildStatus") in (FAILED_STATUSES | {"SUCCEEDED"}):
                self._stream_logs(build.get("logs") or {}, token)  # the lines written last
                return build
            if time.monotonic() > deadline:
                raise ImageError(
                    f"The image build {build_id} did not finish within {self.timeout / 60:.0f} minutes; "
                    "see it in the CodeBuild console, then deploy again.",
                    details=list(self.last_lines),
                )
            self.sleep(self.poll_interval)

    def _describe(self, build_id: str) -> dict[str, Any]:
        try:
            builds = self.clients("codebuild").batch_get_builds(ids=[build_id]).get("builds", [])
        except (ClientError, BotoCoreError) as exc:
            raise ImageError(f"Could not follow image build {build_id}: {aws_error_message(exc)}.") from None
        if not builds:
            raise ImageError(f"CodeBuild does not know build {build_id}: start the deploy again.")
        return dict(builds[0])

    def _stream_logs(self, logs: dict[str, Any], token: str | None) -> str | None:
        """Send new log lines to on_log; returns the token to continue from."""
        group, stream = logs.get("groupName"), logs.get("streamName")
        if not group or not stream:
            return token  # the build has not started writing yet
        client = self.clients("logs")
        while True:
            # With a nextForwardToken, startFromHead must be true; at the end of the stream the same
            # token comes back (GetLogEvents in botocore/data/logs/2014-03-28/service-2.json).
            kwargs: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
            if token:
                kwargs["nextToken"] = token
            try:
                page = client.get_log_events(**kwargs)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return token  # the stream is created with the first line
                raise ImageError(f"Could not read the build log: {aws_error_message(exc)}.") from None
            for event in page.get("events", []):
                for line in str(event.get("message", "")).splitlines():
                    self.last_lines.append(line)
                    self.on_log(line)
            next_token = page.get("nextForwardToken")
            if not next_token or next_token == token:
                return token
            token = next_token


def failing_phase(build: dict[str, Any]) -> dict[str, Any] | None:
    """The first phase that did not succeed, in the order CodeBuild ran them."""
    for phase in build.get("phases") or []:
        if phase.get("phaseStatus") in FAILED_STATUSES:
            return dict(phase)
    return None


def build_failure(build: dict[str, Any], last_lines: list[str]) -> ImageError:
    """One sentence naming the failing step and CodeBuild's reason; the last log lines as details."""
    status = build.get("buildStatus", "unknown")
    phase = failing_phase(build)
    if phase is None:
        where = f"ended {status}"
    else:
        reasons = [c.get("message") for c in phase.get("contexts") or [] if c.get("message")]
        where = f"failed in step {phase.get('phaseType')} ({phase.get('phaseStatus')})"
        if reasons:
            where += f": {reasons[0]}"
    return ImageError(
        f"The image build in CodeBuild {where}. Fix the cause shown in the last log lines and deploy again.",
        details=last_lines,
    )
