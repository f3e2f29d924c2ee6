"""What every compute tells the deploy flow: its template value, valid sizes, parameters and cost lines.

The flow (preflight, cost, stacks, watching) reads the same for every compute; what differs lives in
one small module per compute next to this one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from storyanalytics.deploy.errors import PreflightError
from storyanalytics.deploy.pricing import CostLine, Usage
from storyanalytics.deploy.watch import ClientFactory, ServiceWatch


class SizeError(PreflightError):
    """The CPU/memory pair cannot run on the chosen compute; nothing was created."""


@dataclass(frozen=True)
class Size:
    """CPU units (1024 = 1 vCPU) and memory in MiB, as the template's Cpu and Memory parameters."""

    cpu: int
    memory: int

    @property
    def vcpu(self) -> float:
        return self.cpu / 1024

    @property
    def memory_gb(self) -> float:
        return self.memory / 1024


def _units(value: str | int, unit: str) -> int | None:
    """'512', 512, '0.5 vCPU' (unit vCPU) or '1 GB' (unit GB) -> CPU units or MiB; None if unreadable."""
    text = str(value).strip()
    lowered = text.lower()
    for suffix in (unit.lower(), "gib", "gb"):
        if lowered.endswith(suffix):
            try:
                return round(float(lowered[: -len(suffix)].strip()) * 1024)
            except ValueError:
                return None
    return int(text) if text.isdigit() else None


@dataclass(frozen=True)
class Compute:
    """One way to run the app image. Subclasses fill in the facts; the checks are shared."""

    name: str  # the --compute value and the template's Compute parameter
    title: str
    service_resource_type: str  # the CloudFormation type of the service the stack creates
    sizes: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # CPU units -> MiB choices
    sizes_source: str = ""

    @property
    def valid_pairs(self) -> list[Size]:
        return [Size(cpu, memory) for cpu, memories in self.sizes.items() for memory in memories]

    def describe_sizes(self) -> str:
        """The valid values, one CPU per clause: '256 CPU with 512, 1024 or 2048 MiB; ...'."""
        clauses = []
        for cpu, memories in self.sizes.items():
            choices = [str(memory) for memory in memories]
            listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
            clauses.append(f"{cpu} CPU with {listed} MiB")
        return "; ".join(clauses)

    def check_size(self, cpu: str | int, memory: str | int) -> Size:
        """The pair as a Size, or SizeError listing every valid pair (before any AWS call)."""
        cpu_units, memory_mib = _units(cpu, "vcpu"), _units(memory, "gb")
        if cpu_units is None or memory_mib is None:
            raise SizeError(
                f"CPU {cpu!r} and memory {memory!r} must be numbers (CPU units, MiB) such as --cpu 256 "
                f"--memory 1024. Valid on {self.title}: {self.describe_sizes()}."
            )
        if memory_mib not in self.sizes.get(cpu_units, ()):
            raise SizeError(
                f"{cpu_units} CPU with {memory_mib} MiB of memory cannot run on {self.title} (--compute "
                f"{self.name}): choose --cpu and --memory from {self.describe_sizes()}."
            )
        return Size(cpu_units, memory_mib)

    def template_parameters(self, size: Size) -> dict[str, str]:
        """The app template's parameters for this size."""
        return {"Cpu": str(size.cpu), "Memory": str(size.memory)}

    def cost_lines(self, size: Size, usage: Usage, settings: Mapping[str, str]) -> list[CostLine]:
        """What this compute adds to the monthly bill (the shared parts are priced elsewhere).

        `settings` are the app template's parameter values (e.g. EndpointAzCount), defaults filled in.
        """
        raise NotImplementedError

    def watch(
        self, client: ClientFactory, *, clock: Callable[[], float] = time.monotonic
    ) -> ServiceWatch | None:
        """What reads the service while its stack is in progress (None: the stack events say it all)."""
        return None
