"""The last lines of the service's CloudWatch logs: where App Runner and ECS write the real reason a
service failed when CloudFormation only says "null" or "Resource handler returned message"."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.events import StackEvent

LOG_LINES = 20


def last_service_log_lines(
    logs: Any, cloudformation: Any, failed: StackEvent, events: list[StackEvent], stack_id: str
) -> tuple[str, list[str]]:
    """(log group, its last lines) for the first group that has any; ("", []) without a logs client."""
    if logs is None:
        return "", []
    for group in log_group_candidates(cloudformation, failed, events, stack_id):
        lines = last_log_lines(logs, group)
        if lines:
            return group, lines
    return "", []


def log_group_candidates(
    cloudformation: Any, failed: StackEvent, events: list[StackEvent], stack_id: str
) -> list[str]:
    candidates: list[str] = []
    arn = failed.physical_id
    if failed.resource_type == "AWS::AppRunner::Service" and ":service/" in arn:
        name_and_id = arn.split(":service/", 1)[1]
        candidates += [
            f"/aws/apprunner/{name_and_id}/service",
            f"/aws/apprunner/{name_and_id}/application",
        ]
    try:
        stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
        for item in stack.get("Outputs", []) or []:
            if item.get("OutputKey") == "LogGroupName" and item.get("OutputValue"):
                candidates.append(str(item["OutputValue"]))
    except (ClientError, IndexError, KeyError):
        pass
    candidates += [
        event.physical_id
        for event in events
        if event.resource_type == "AWS::Logs::LogGroup" and event.physical_id
    ]
    return list(dict.fromkeys(candidates))


def last_log_lines(logs: Any, group: str, *, limit: int = LOG_LINES) -> list[str]:
    """The newest stream's last `limit` lines; [] when the group is missing or unreadable."""
    try:
        streams = logs.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", descending=True, limit=1
        ).get("logStreams", [])
        if not streams:
            return []
        events = logs.get_log_events(
            logGroupName=group,
            logStreamName=streams[0]["logStreamName"],
            limit=limit,
            startFromHead=False,
        ).get("events", [])
    except (ClientError, BotoCoreError):
        return []
    return [str(event.get("message", "")).rstrip() for event in events if event.get("message")]
