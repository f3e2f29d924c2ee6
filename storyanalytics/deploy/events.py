"""Stack events: read them newest-first from the API, hand them on oldest-first, each once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from storyanalytics.deploy.errors import DeployError, aws_error_message

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

STACK_RESOURCE_TYPE = "AWS::CloudFormation::Stack"
# Events that follow another resource's failure; they never explain anything.
CANCELLED_REASON_PREFIXES = (
    "Resource creation cancelled",
    "Resource update cancelled",
    "Resource deletion cancelled",
)
# Reasons that tell nothing; for the service, its log group says more.
UNINFORMATIVE_REASONS = frozenset({"", "null", "none", "internal failure", "internal failure."})


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    stack_name: str
    logical_id: str
    resource_type: str
    status: str
    reason: str
    timestamp: datetime | None
    physical_id: str = ""

    @classmethod
    def from_api(cls, item: Any) -> StackEvent:
        return cls(
            event_id=str(item.get("EventId", "")),
            stack_name=str(item.get("StackName", "")),
            logical_id=str(item.get("LogicalResourceId", "")),
            resource_type=str(item.get("ResourceType", "")),
            status=str(item.get("ResourceStatus", "")),
            reason=str(item.get("ResourceStatusReason") or ""),
            timestamp=item.get("Timestamp"),
            physical_id=str(item.get("PhysicalResourceId") or ""),
        )

    @property
    def is_stack(self) -> bool:
        return self.resource_type == STACK_RESOURCE_TYPE and self.logical_id == self.stack_name

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    @property
    def cancelled(self) -> bool:
        return self.reason.startswith(CANCELLED_REASON_PREFIXES)

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")


def first_failure(events: list[StackEvent]) -> StackEvent | None:
    """The first resource that failed for a real reason (oldest first), else the stack's own failure."""
    for event in events:
        if event.failed and not event.is_stack and not event.cancelled:
            return event
    for event in events:
        if event.failed and not event.cancelled:
            return event
    return None


def is_uninformative(reason: str) -> bool:
    return reason.strip().lower() in UNINFORMATIVE_REASONS


def still_in_progress(events: list[StackEvent]) -> list[StackEvent]:
    """Resources whose latest event is *_IN_PROGRESS, ordered by that latest event."""
    latest: dict[str, StackEvent] = {}
    for event in events:
        if not event.is_stack:
            latest.pop(event.logical_id, None)
            latest[event.logical_id] = event
    return [event for event in latest.values() if event.in_progress]


class EventStream:
    """New events of one stack since `start()`, in the order they happened, each reported once.

    The API lists events newest first and paginates; we read pages until we meet the newest event
    already seen, so nothing from before the operation began is shown again.
    """

    def __init__(self, client: CloudFormationClient, stack: str) -> None:
        self._client = client
        self.stack = stack  # name, or the stack id (needed after deletion)
        self._last_seen: str | None = None
        self.events: list[StackEvent] = []

    def start(self, *, remember: bool = False) -> None:
        """Mark everything that happened so far as seen; `remember` keeps the newest page in `events`
        (to follow a stack already in progress: its failures and service are named there)."""
        newest = self._read(limit_to_first_page=True)
        self._last_seen = newest[0].event_id if newest else None
        if remember:
            self.events = list(reversed(newest))

    def poll(self) -> list[StackEvent]:
        fresh: list[StackEvent] = []
        for event in self._read(limit_to_first_page=False):
            if event.event_id == self._last_seen:
                break
            fresh.append(event)
        if fresh:
            self._last_seen = fresh[0].event_id
        fresh.reverse()
        self.events.extend(fresh)
        return fresh

    def _read(self, *, limit_to_first_page: bool) -> list[StackEvent]:
        """Events newest first, stopping after the page that holds the last seen event.

        A stack deleted meanwhile has no events to read; any other AWS error (throttling, a missing
        cloudformation:DescribeStackEvents permission) is a sentence, not a traceback.
        https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html
        """
        events: list[StackEvent] = []
        kwargs: dict[str, Any] = {"StackName": self.stack}
        while True:
            try:
                page = self._client.describe_stack_events(**kwargs)
            except ClientError as exc:
                if "does not exist" in str(exc):
                    return events
                raise DeployError(
                    f"Could not read the events of stack {self.stack}: {aws_error_message(exc)}."
                ) from None
            batch = [StackEvent.from_api(item) for item in page.get("StackEvents", [])]
            events.extend(batch)
            token = page.get("NextToken")
            if limit_to_first_page or not token or any(e.event_id == self._last_seen for e in batch):
                return events
            kwargs["NextToken"] = token
