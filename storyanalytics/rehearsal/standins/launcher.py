"""REHEARSAL: who runs the container a stand-in service describes.

By default nobody does (a placeholder address, enough for tests of the deployer; `placeholder_launcher()`
makes sure of it for a block); the rehearsal installs a launcher that starts the real app locally in
cloud mode and returns its address.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ServiceSpec:
    """The container a service runs, as the stack describes it (secrets already resolved)."""

    kind: str  # "ecs-express", "apprunner" or "lambda"
    name: str
    image: str
    port: int
    environment: dict[str, str] = field(repr=False)
    log_group: str | None
    log_stream_prefix: str
    account_id: str
    region: str


class ServiceLauncher(Protocol):
    def start(self, spec: ServiceSpec) -> str:
        """Run the service; return its address as `host[:port]` (what the service URL attribute holds)."""
        ...

    def stop(self, address: str) -> None: ...


class PlaceholderLauncher:
    """Starts nothing; each service gets a unique, unresolvable host name. `running` holds the services
    it was asked to run and not yet to stop, by address (what tests read)."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self.running: dict[str, ServiceSpec] = {}

    def start(self, spec: ServiceSpec) -> str:
        with self._lock:
            self._count += 1
            address = f"{spec.name}-{self._count}.rehearsal-standin.invalid"
            self.running[address] = spec
            return address

    def stop(self, address: str) -> None:
        with self._lock:
            self.running.pop(address, None)


_launcher: ServiceLauncher = PlaceholderLauncher()


def get_launcher() -> ServiceLauncher:
    return _launcher


def set_launcher(launcher: ServiceLauncher | None) -> ServiceLauncher:
    """Install `launcher` (None restores the placeholder); returns the previous one."""
    global _launcher
    previous = _launcher
    _launcher = launcher or PlaceholderLauncher()
    return previous


@contextmanager
def placeholder_launcher() -> Iterator[PlaceholderLauncher]:
    """Within the block, services start nothing (whatever launcher was installed before comes back after)."""
    launcher = PlaceholderLauncher()
    previous = set_launcher(launcher)
    try:
        yield launcher
    finally:
        set_launcher(previous)
