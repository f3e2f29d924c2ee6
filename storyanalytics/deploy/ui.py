"""How the deploy flow talks to a person: a small protocol the CLI (rich), notebooks and tests implement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from storyanalytics.deploy.changeset import ChangeSetPlan
from storyanalytics.deploy.cost import CostEstimate
from storyanalytics.deploy.events import StackEvent
from storyanalytics.deploy.preflight import PreflightReport


class DeployUi(Protocol):
    def confirm(self, question: str) -> bool:
        """Yes/no; False means stop without changing anything."""
        ...

    def ask(self, question: str) -> str:
        """A typed answer, e.g. the stack name before data is deleted."""
        ...

    def step(self, message: str) -> None:
        """A new stage of the flow starts (a heading)."""
        ...

    def notice(self, message: str) -> None:
        """Something worth knowing that is not an error."""
        ...

    def event(self, event: StackEvent) -> None:
        """A stack event, as it happens."""
        ...

    def build_log(self, line: str) -> None:
        """One line of the image build's log, as it is written (CodeBuild streams them live)."""
        ...

    def changes(self, plan: ChangeSetPlan) -> None:
        """The change set, before it is executed."""
        ...

    def preflight(self, report: PreflightReport) -> None:
        """The checks made before anything is created."""
        ...

    def cost(self, estimate: CostEstimate) -> None:
        """The monthly cost estimate."""
        ...


@dataclass
class QuietUi:
    """Says no to every question unless `answers` says otherwise, and keeps what it was told."""

    confirm_answer: bool = False
    typed_answer: str = ""
    questions: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    events: list[StackEvent] = field(default_factory=list)
    build_lines: list[str] = field(default_factory=list)
    plans: list[ChangeSetPlan] = field(default_factory=list)
    reports: list[PreflightReport] = field(default_factory=list)
    estimates: list[CostEstimate] = field(default_factory=list)

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.confirm_answer

    def ask(self, question: str) -> str:
        self.questions.append(question)
        return self.typed_answer

    def step(self, message: str) -> None:
        self.steps.append(message)

    def notice(self, message: str) -> None:
        self.notices.append(message)

    def event(self, event: StackEvent) -> None:
        self.events.append(event)

    def build_log(self, line: str) -> None:
        self.build_lines.append(line)

    def changes(self, plan: ChangeSetPlan) -> None:
        self.plans.append(plan)

    def preflight(self, report: PreflightReport) -> None:
        self.reports.append(report)

    def cost(self, estimate: CostEstimate) -> None:
        self.estimates.append(estimate)
