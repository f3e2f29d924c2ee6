"""Test doubles for the deploy tests: a recording command runner, a fake clock, and AWS API response
shapes (from the CloudFormation API reference: DescribeStacks, DescribeStackEvents, DescribeChangeSet)
for botocore's Stubber."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

from storyanalytics.deploy import DeployError, StackDeployer
from storyanalytics.deploy.image import CommandResult

if TYPE_CHECKING:
    from storyanalytics.deploy import AwsDeployment

REGION = "us-east-1"
ACCOUNT = "123456789012"
T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
STACK = "story-analytics"
TEMPLATE = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
# What DescribeChangeSet says of a change set that changes nothing.
EMPTY_REASON = (
    "The submitted information didn't contain changes. Submit different information to create a change set."
)


class RecordingRunner:
    """Records every command; answers like git and docker would. `docker push` puts the image into
    (moto's) ECR when an ECR client is given, as a real push would."""

    def __init__(
        self, *, ecr: Any = None, docker: bool = True, sha: str = "0123456789ab", dirty: str = ""
    ) -> None:
        self.ecr = ecr
        self.docker = docker
        self.sha = sha
        self.dirty = dirty
        self.calls: list[list[str]] = []
        self.inputs: list[str | None] = []
        self.outputs: list[str] = []

    def __call__(
        self, args: Sequence[str], *, input: str | None = None, cwd: Path | None = None
    ) -> CommandResult:
        args = list(args)
        self.calls.append(args)
        self.inputs.append(input)
        result = self._answer(args)
        self.outputs.append(result.stdout + result.stderr)
        return result

    def docker_calls(self) -> list[list[str]]:
        return [call for call in self.calls if call[0] == "docker"]

    def _answer(self, args: list[str]) -> CommandResult:
        if args[0] == "git":
            if args[1] == "rev-parse":
                return CommandResult(0, self.sha + "\n")
            if args[1] == "status":
                return CommandResult(0, self.dirty)
            if args[1] == "ls-files":  # like a folder that is not a checkout: the bundle walks the files
                return CommandResult(128, "", "fatal: not a git repository")
            return CommandResult(0, "diff --git a/x b/x\n")
        if not self.docker:
            return CommandResult(127, "", "docker: command not found")
        if args[1] == "version":
            return CommandResult(0, "27.1.1\n")
        if args[1] == "login":
            return CommandResult(0, "Login Succeeded\n")
        if args[1] == "push" and self.ecr is not None:
            uri, tag = args[2].rsplit(":", 1)
            repository = uri.split("/", 1)[1]
            media_type = "application/vnd.docker.distribution.manifest.v2+json"
            digest = "sha256:" + hashlib.sha256(tag.encode()).hexdigest()
            manifest = json.dumps(
                {"schemaVersion": 2, "mediaType": media_type, "config": {"digest": digest}, "layers": []}
            )
            self.ecr.put_image(
                repositoryName=repository,
                imageManifest=manifest,
                imageManifestMediaType=media_type,
                imageTag=tag,
            )
        return CommandResult(0, "")


class FakeClock:
    """Time that moves only when the code sleeps, so timeouts are tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1.0)


# --- CloudFormation response shapes -----------------------------------------------------------------
def stack_id(name: str) -> str:
    return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/5b8a1d40-0000-11f0-8000-0a1b2c3d4e5f"


def change_set_id(name: str) -> str:
    return (
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:changeSet/{name}-cs/7d3e0a20-0000-11f0-8000-0a1b2c3d4e5f"
    )


def stacks(
    name: str,
    status: str,
    *,
    outputs: dict[str, str] | None = None,
    protection: bool = False,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    stack: dict[str, Any] = {
        "StackId": stack_id(name),
        "StackName": name,
        "CreationTime": T0,
        "StackStatus": status,
        "EnableTerminationProtection": protection,
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {"story-analytics:app": name}).items()],
    }
    if outputs:
        stack["Outputs"] = [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]
    return {"Stacks": [stack]}


def event(
    name: str,
    n: int,
    logical: str,
    resource_type: str,
    status: str,
    reason: str | None = None,
    physical: str = "",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "StackId": stack_id(name),
        "EventId": f"{logical}-{status}-{n}",
        "StackName": name,
        "LogicalResourceId": logical,
        "PhysicalResourceId": physical,
        "ResourceType": resource_type,
        "Timestamp": T0 + timedelta(seconds=n),
        "ResourceStatus": status,
    }
    if reason is not None:
        item["ResourceStatusReason"] = reason
    return item


def stack_event(name: str, n: int, status: str, reason: str | None = None) -> dict[str, Any]:
    return event(name, n, name, "AWS::CloudFormation::Stack", status, reason, physical=stack_id(name))


def events_page(*items: dict[str, Any]) -> dict[str, Any]:
    """The API lists newest first: pass items oldest first, they are reversed here."""
    return {"StackEvents": list(reversed(items))}


def change(action: str, logical: str, resource_type: str, replacement: str | None = None) -> dict[str, Any]:
    resource_change: dict[str, Any] = {
        "Action": action,
        "LogicalResourceId": logical,
        "ResourceType": resource_type,
    }
    if action == "Modify":
        resource_change.update(
            {
                "PhysicalResourceId": f"{logical.lower()}-1",
                "Replacement": replacement or "False",
                "Scope": ["Properties"],
            }
        )
    return {"Type": "Resource", "ResourceChange": resource_change}


def described_change_set(
    name: str,
    status: str,
    *,
    reason: str | None = None,
    changes: list[dict[str, Any]] | None = None,
    execution: str = "AVAILABLE",
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "ChangeSetName": f"{name}-cs",
        "ChangeSetId": change_set_id(name),
        "StackId": stack_id(name),
        "StackName": name,
        "CreationTime": T0,
        "ExecutionStatus": execution,
        "Status": status,
        "Changes": changes or [],
    }
    if reason is not None:
        response["StatusReason"] = reason
    return response


def created_change_set(name: str) -> dict[str, Any]:
    return {"Id": change_set_id(name), "StackId": stack_id(name)}


@contextmanager
def stubbed_client(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A boto3 client behind botocore's Stubber: an unscripted call fails, and every scripted response
    must be used by the end."""
    client = boto3.client(service, region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


# --- Scripted conversations with a stubbed CloudFormation client -------------------------------------
def stack_missing(stubber: Stubber, name: str = STACK) -> None:
    """DescribeStacks answers ValidationError "does not exist", as CloudFormation does."""
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {name} does not exist",
        http_status_code=400,
        expected_params={"StackName": name},
    )


def planned_change_set(
    stubber: Stubber, changes: list[dict[str, Any]], *, status: str = "CREATE_COMPLETE", name: str = STACK
) -> None:
    """CreateChangeSet, one poll while pending, then the final status (read twice: wait, then list)."""
    stubber.add_response("create_change_set", created_change_set(name))
    stubber.add_response(
        "describe_change_set", described_change_set(name, "CREATE_PENDING", execution="UNAVAILABLE")
    )
    stubber.add_response("describe_change_set", described_change_set(name, status, changes=changes))
    stubber.add_response("describe_change_set", described_change_set(name, status, changes=changes))


def stubbed_deployer(client: Any, name: str = STACK, **kwargs: Any) -> StackDeployer:
    """A deployer on a fake clock: waits and timeouts cost no time."""
    clock = kwargs.pop("clock", None) or FakeClock()
    return StackDeployer(client, name, poll_interval=1, sleep=clock.sleep, clock=clock, **kwargs)


def failed_deploy(client: Any, parameters: dict[str, str] | None = None, **kwargs: Any) -> str:
    """The message of the DeployError that deploying TEMPLATE with a stubbed deployer on `client` ends in."""
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client, **kwargs).deploy(TEMPLATE, parameters or {}, {}, assume_yes=True)
    return str(caught.value)


def failed_follow(client: Any, **kwargs: Any) -> str:
    """The message of the DeployError that following stack STACK with a stubbed deployer ends in."""
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client, **kwargs).follow()
    return str(caught.value)


def aws_client(service: str, endpoint: str) -> Any:
    """A boto3 client on the moto server."""
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def moto_deployment(endpoint: str, stack_name: str, project_dir: Path, **kwargs: Any) -> AwsDeployment:
    """An AwsDeployment on the moto server that answers yes and records docker (`sha` for its tag)."""
    from storyanalytics.deploy import AwsDeployment
    from storyanalytics.deploy.ui import QuietUi

    kwargs.setdefault("admin_email", "admin@example.org")
    kwargs.setdefault("ui", QuietUi(confirm_answer=True, typed_answer=stack_name))
    return AwsDeployment(
        "us-east-1",
        stack_name,
        None,
        endpoint_url=endpoint,
        runner=RecordingRunner(ecr=aws_client("ecr", endpoint), sha=kwargs.pop("sha", "0123456789ab")),
        project_dir=project_dir,
        poll_interval=0,
        **kwargs,
    )
