"""Progress of a migration: plain events from the library, rich bars for the terminal and notebooks.

The library only calls `on_progress(ProgressEvent)`; `RichProgress` turns those events into bars
(objects, bytes, rows, ETA) that render in a terminal and in Jupyter, and `summary_table` renders
the end report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from storyanalytics.migrate.database_copy import DatabaseReport
    from storyanalytics.migrate.storage_copy import StorageReport


@dataclass(frozen=True)
class ProgressEvent:
    """`start` announces a stage with its totals, `advance` reports work done, `finish` closes it.

    Stages are "objects" (with bytes) for files and "rows:<table>" for database tables.
    """

    stage: str
    kind: Literal["start", "advance", "finish"]
    total: int = 0
    total_bytes: int = 0
    advance: int = 0
    advance_bytes: int = 0
    description: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


class RichProgress:
    """A context manager whose `callback` drives one rich bar per stage (works in Jupyter too).

    >>> with RichProgress() as progress:
    ...     migrate_storage(source, target, on_progress=progress.callback)
    """

    def __init__(self, console: Console | None = None, *, transient: bool = False) -> None:
        self.console = console or Console()
        # Files: the bar counts bytes (for speed and ETA); the text column counts objects.
        self._objects = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}/{task.fields[count_total]} objects"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=transient,
        )
        self._rows = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=transient,
        )
        self._tasks: dict[str, tuple[Progress, TaskID, bool]] = {}
        self._live: Live | None = None

    def __enter__(self) -> RichProgress:
        self._live = Live(Group(self._objects, self._rows), console=self.console, refresh_per_second=8)
        self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, traceback)
            self._live = None

    def callback(self, event: ProgressEvent) -> None:
        if event.kind == "start":
            is_objects = event.stage == "objects"
            bars = self._objects if is_objects else self._rows
            description = event.description or event.stage.removeprefix("rows:")
            by_bytes = is_objects and event.total_bytes > 0
            task = bars.add_task(
                description,
                total=event.total_bytes if by_bytes else event.total,
                count=0,
                count_total=event.total,
            )
            self._tasks[event.stage] = (bars, task, by_bytes)
            return
        entry = self._tasks.get(event.stage)
        if entry is None:
            return
        bars, task, by_bytes = entry
        current = next(item for item in bars.tasks if item.id == task)
        if event.kind == "advance":
            bars.update(
                task,
                advance=event.advance_bytes if by_bytes else event.advance,
                count=current.fields["count"] + event.advance,
            )
        else:
            bars.update(task, completed=current.total, count=current.fields["count_total"])


def summary_table(storage: StorageReport | None = None, database: DatabaseReport | None = None) -> Table:
    """One table that says what was copied, skipped, in conflict and failed."""
    table = Table(title="Migration summary", show_lines=False)
    table.add_column("what")
    table.add_column("copied", justify="right")
    table.add_column("skipped (already there)", justify="right")
    table.add_column("conflicts", justify="right")
    table.add_column("failed", justify="right")
    if storage is not None:
        table.add_row(
            "files" + (" (dry run)" if storage.dry_run else ""),
            f"{len(storage.copied)} ({_size(storage.copied_bytes)})",
            f"{len(storage.skipped)} ({_size(storage.skipped_bytes)})",
            str(len(storage.conflicts)),
            str(len(storage.failures)),
        )
    if database is not None:
        for item in database.tables:
            table.add_row(
                f"table {item.name}" + (" (dry run)" if database.dry_run else ""),
                str(item.copied),
                str(item.skipped),
                str(item.conflicts),
                "0" if item.verified or database.dry_run else "not verified",
            )
    return table


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def outcome_lines(report: Any) -> list[str]:
    """Sentences about what needs the user's attention (conflicts, failures), after the table."""
    lines: list[str] = []
    storage, metadata = report.storage, report.metadata
    if report.dry_run:
        lines.append("Dry run: nothing was written.")
    lines.extend(f"[yellow]note[/] {note}" for note in report.notes if not note.startswith("dry run"))
    if storage is not None:
        for key, why in list(storage.conflicts.items())[:10]:
            lines.append(f"[yellow]conflict[/] {key}: {why}")
        for key, why in list(storage.failures.items())[:10]:
            lines.append(f"[red]failed[/] {key}: {why}")
        for key, why in list(storage.repaired.items())[:10]:
            lines.append(f"repaired {key}: {why}")
    if metadata is not None:
        for table in metadata.tables:
            if table.conflicts:
                keys = ", ".join(table.conflict_keys[:5])
                lines.append(f"[yellow]{table.conflicts} conflicting rows[/] in {table.name} (kept): {keys}")
            if table.problem:
                lines.append(f"[red]{table.name}[/]: {table.problem}")
    if report.ok and not report.dry_run:
        lines.append("[green]Everything is in the cloud and verified.[/]")
    return lines
