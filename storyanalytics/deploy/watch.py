"""Watching the service itself while its stack is in progress.

The stack's status alone hides the real failure: an ECS Express service whose tasks never start keeps
its stack in CREATE_IN_PROGRESS for a long time, and App Runner's CloudFormation reason is often "null".
Each compute module supplies a watch that reads the service's own state (tasks, deployments,
operations, logs) and turns the first real failure into one sentence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from storyanalytics.deploy.events import StackEvent

# How often the service is read while waiting: well inside the two minutes in which the first stopped
# task's reason should reach the user, without calling the service APIs on every stack poll.
WATCH_INTERVAL_SECONDS = 30.0

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class WatchSignal:
    """The first real cause seen on the service, and lines that explain it (e.g. the app's last logs)."""

    cause: str
    details: list[str] = field(default_factory=list)


class ServiceWatch(Protocol):
    def poll(self, events: list[StackEvent]) -> WatchSignal | None:
        """A signal once the service shows a real failure; None while all looks well (or unknown yet)."""

    def progress(self) -> str:
        """What the service is doing now, in a few words ('' when unknown)."""


class ThrottledWatch:
    """Reads the service at most every `interval` seconds, once the stack events name it."""

    resource_type = ""

    def __init__(
        self,
        client: ClientFactory,
        *,
        interval: float = WATCH_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.interval = interval
        self._clock = clock
        self._next = 0.0
        self.state = ""

    def poll(self, events: list[StackEvent]) -> WatchSignal | None:
        now = self._clock()
        if now < self._next:
            return None
        self._next = now + self.interval
        service_id = next(
            (
                event.physical_id
                for event in events
                if event.resource_type == self.resource_type and event.physical_id
            ),
            "",
        )
        if not service_id:
            return None
        log_groups = [
            event.physical_id
            for event in events
            if event.resource_type == "AWS::Logs::LogGroup" and event.physical_id
        ]
        return self.inspect(service_id, log_groups)

    def inspect(self, service_id: str, log_groups: list[str]) -> WatchSignal | None:
        raise NotImplementedError

    def progress(self) -> str:
        return self.state
