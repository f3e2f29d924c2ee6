"""Rich rendering of the deploy flow: tables for checks, cost and changes, live events, a final panel."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.panel import Panel
from rich.prompt import Confirm, Prompt
from rich.table import Table

from storyanalytics.deploy.aws_deployment import DeploymentResult, TeardownResult
from storyanalytics.deploy.changeset import ChangeSetPlan
from storyanalytics.deploy.cost import CostEstimate
from storyanalytics.deploy.events import StackEvent
from storyanalytics.deploy.preflight import PreflightReport

_STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}
_KIND_STYLE = {"add": "green", "modify": "yellow", "replace": "bold red", "remove": "red"}


def event_style(status: str) -> str:
    if status.endswith("_FAILED") or "ROLLBACK" in status:
        return "bold red"
    if status.endswith("_COMPLETE"):
        return "green"
    return "yellow"


def preflight_table(report: PreflightReport) -> Table:
    table = Table(title="Preflight checks", title_justify="left")
    table.add_column("Check")
    table.add_column("Result")
    table.add_column("Detail", overflow="fold")
    for check in report.checks:
        style = _STATUS_STYLE.get(check.status, "")
        table.add_row(check.name, f"[{style}]{check.status}[/]", check.detail)
    return table


def cost_table(estimate: CostEstimate) -> Table:
    table = Table(
        title=f"Estimated monthly cost ({estimate.compute})", title_justify="left", caption=estimate.note
    )
    table.add_column("Part")
    table.add_column("USD/month", justify="right")
    table.add_column("Basis", overflow="fold")
    for line in estimate.lines:
        table.add_row(line.part, f"{line.monthly_usd:,.2f}", line.basis)
    table.add_section()
    table.add_row("[bold]Total (estimate)[/]", f"[bold]{estimate.total:,.2f}[/]", "")
    return table


def compute_comparison_table(estimate: CostEstimate) -> Table:
    """The same stack on every compute, side by side: each compute's own lines and the whole total."""
    table = Table(title="The same stack on each compute (USD/month)", title_justify="left")
    table.add_column("Compute")
    table.add_column("Its own lines (basis)", overflow="fold")
    table.add_column("Whole stack", justify="right")
    shared = {line.part for line in estimate.lines} & {
        line.part for other in estimate.alternatives.values() for line in other.lines
    }
    for each in (estimate, *estimate.alternatives.values()):
        own_lines = [line for line in each.lines if line.part not in shared]
        own = [f"{line.part} {line.monthly_usd:,.2f} ({line.basis})" for line in own_lines]
        chosen = " (chosen)" if each is estimate else ""
        table.add_row(f"{each.compute}{chosen}", "\n".join(own), f"{each.total:,.2f}")
    return table


def changes_table(plan: ChangeSetPlan) -> Table:
    table = Table(
        title=f"Changes to stack {plan.stack_name} ({plan.change_set_type.lower()})", title_justify="left"
    )
    table.add_column("Action")
    table.add_column("Resource")
    table.add_column("Type")
    table.add_column("Note")
    for change in plan.changes:
        style = _KIND_STYLE.get(change.kind, "")
        note = f"[bold red]{change.warning}[/]" if change.may_replace else change.warning
        table.add_row(f"[{style}]{change.kind}[/]", change.logical_id, change.resource_type, note)
    return table


def deployment_panel(result: DeploymentResult) -> Panel:
    lines: list[str] = []
    if result.dry_run:
        lines.append("Dry run: nothing was created or changed; the change sets were deleted.")
    elif result.app.no_changes:
        lines.append(f"Stack {result.stack_name} was already up to date.")
    else:
        lines.append(f"Stack {result.stack_name} is {result.app.status}.")
    if result.url:
        lines.append(f"URL: [bold]{result.url}[/]")
    if result.public_url:
        lines.append(f"Published charts: {result.public_url} (stays the same across updates and redeploys)")
    if result.image_uri and not result.dry_run:
        lines.append(f"Image: {result.image_uri}")
    if result.first_deploy:
        if result.admin_email:
            lines.append(f"Admin email: {result.admin_email}")
        if result.password_command:
            lines.append("Admin password (run this once, then change it in the app):")
            lines.append(f"  {result.password_command}")
    title = "Dry run" if result.dry_run else "Deployed"
    return Panel("\n".join(lines), title=title, border_style="green", expand=False)


def teardown_panel(result: TeardownResult) -> Panel:
    app = result.app
    if not app.existed:
        return Panel(f"There was no stack named {app.stack_name}.", title="Nothing to delete", expand=False)
    lines = [f"Stack {app.stack_name} was deleted."]
    if app.kept:
        lines.append("Kept: " + "; ".join(app.kept) + ".")
    if app.deleted_bucket:
        lines.append(f"Deleted bucket {app.deleted_bucket} with every file.")
    if app.database_deleted_without_snapshot:
        lines.append(f"Deleted database {app.db_instance_id} without a snapshot.")
    if result.bootstrap_deleted:
        lines.append(f"Deleted the image repository stack {result.bootstrap_stack}.")
    lines.extend(result.notes)
    return Panel("\n".join(lines), title="Destroyed", border_style="green", expand=False)


@dataclass
class RichUi:
    """The CLI's DeployUi: questions on the terminal, events printed resource by resource as they happen."""

    console: Console
    assume_yes: bool = False
    _last_resource: str = field(default="", init=False)

    def confirm(self, question: str) -> bool:
        if self.assume_yes:
            return True
        return Confirm.ask(question, console=self.console, default=False)

    def ask(self, question: str) -> str:
        return Prompt.ask(question, console=self.console, default="")

    def step(self, message: str) -> None:
        self.console.rule(f"[bold]{message}", align="left")

    def notice(self, message: str) -> None:
        self.console.print(f"[cyan]>[/] {message}", highlight=False)

    def event(self, event: StackEvent) -> None:
        time = event.timestamp.strftime("%H:%M:%S") if event.timestamp else "        "
        name = event.logical_id if event.logical_id != self._last_resource else ""
        self._last_resource = event.logical_id
        reason = f" [dim]{event.reason}[/]" if event.reason and not event.cancelled else ""
        style = event_style(event.status)
        self.console.print(
            f"{time}  {name:<32} [{style}]{event.status:<20}[/] [dim]{event.resource_type}[/]{reason}",
            highlight=False,
        )

    def build_log(self, line: str) -> None:
        # markup=False: build output is arbitrary text (brackets in it are not rich markup).
        self.console.print(f"  build | {line}", style="dim", markup=False, highlight=False)

    def changes(self, plan: ChangeSetPlan) -> None:
        if not plan.changes:
            self.notice(f"Stack {plan.stack_name}: no resource changes.")
            return
        self.console.print(changes_table(plan))
        if plan.replacements:
            names = ", ".join(change.logical_id for change in plan.replacements)
            self.console.print(f"[bold red]Warning:[/] replacement means delete and recreate: {names}.")

    def preflight(self, report: PreflightReport) -> None:
        self.console.print(preflight_table(report))

    def cost(self, estimate: CostEstimate) -> None:
        self.console.print(cost_table(estimate))
        if estimate.alternatives:
            self.console.print(compute_comparison_table(estimate))
