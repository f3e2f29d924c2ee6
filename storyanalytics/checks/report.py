"""Check results and the pass/fail table; a report with a failure raises, so a notebook run fails."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from storyanalytics.errors import StoryAnalyticsError

PASS = "PASS"
FAIL = "FAIL"


class StackCheckFailed(StoryAnalyticsError):
    """At least one check failed; the message names each failed check and why."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str

    def _status(self) -> str:
        return PASS if self.passed else FAIL

    status = property(_status)

    def __str__(self) -> str:
        return f"{self.status}  {self.name}: {self.detail}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython shows a check as its one-line verdict."""
        printer.text(str(self))


@dataclass
class CheckReport:
    stack_name: str
    results: list[CheckResult] = field(default_factory=list)

    def _passed(self) -> bool:
        return bool(self.results) and all(result.passed for result in self.results)

    passed = property(_passed)

    def _failures(self) -> list[CheckResult]:
        return [result for result in self.results if not result.passed]

    failures = property(_failures)

    def table(self) -> Table:
        table = Table(title=f"Checks of stack {self.stack_name}", box=box.ASCII, show_lines=False)
        table.add_column("Check", no_wrap=True)
        table.add_column("Result", no_wrap=True)
        table.add_column("Details")
        for result in self.results:
            style = "green" if result.passed else "bold red"
            table.add_row(escape(result.name), f"[{style}]{result.status}[/]", escape(result.detail))
        return table

    def show(self, file: TextIO | None = None) -> None:
        """Print the table as plain text (readable in a terminal, a notebook and a saved run)."""
        console = Console(file=file or sys.stdout, width=140, force_jupyter=False, emoji=False)
        console.print(self.table())
        passed = len(self.results) - len(self.failures)
        console.print(f"{passed} of {len(self.results)} checks passed.")

    def raise_for_failures(self) -> None:
        if not self.results:
            raise StackCheckFailed(f"no checks ran against stack {self.stack_name}.")
        failures = self.failures
        if failures:
            reasons = "; ".join(f"{result.name}: {result.detail}" for result in failures)
            raise StackCheckFailed(
                f"{len(failures)} of {len(self.results)} checks of stack {self.stack_name} failed: {reasons}"
            )

    def rows(self) -> list[tuple[str, str, str]]:
        return [(result.name, result.status, result.detail) for result in self.results]

    def extend(self, results: Iterable[CheckResult]) -> None:
        self.results.extend(results)
