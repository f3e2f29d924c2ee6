"""Rich progress bars and the summary table render from the library's plain events."""

from __future__ import annotations

import io

from rich.console import Console

from storyanalytics.migrate import ProgressEvent, RichProgress, StorageReport, summary_table


def test_rich_progress_renders_objects_bytes_and_rows() -> None:
    output = io.StringIO()
    console = Console(file=output, force_terminal=True, width=160)
    with RichProgress(console) as progress:
        progress.callback(ProgressEvent("objects", "start", total=2, total_bytes=2048, description="files"))
        progress.callback(ProgressEvent("objects", "advance", advance=2, advance_bytes=2048))
        progress.callback(ProgressEvent("objects", "finish"))
        progress.callback(ProgressEvent("rows:charts", "start", total=10, description="charts"))
        progress.callback(ProgressEvent("rows:charts", "advance", advance=10))
        progress.callback(ProgressEvent("rows:charts", "finish"))
    text = output.getvalue()
    assert "2/2 objects" in text and "2.0/2.0 kB" in text and "10/10" in text


def test_summary_table_counts_copied_skipped_conflicts_and_failures() -> None:
    report = StorageReport("folder", "bucket", copied=["a", "b"], skipped=["c"], copied_bytes=2048)
    report.conflicts["d"] = "another version"
    output = io.StringIO()
    Console(file=output, width=160).print(summary_table(report))
    row = next(line for line in output.getvalue().splitlines() if "files" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["files", "2 (2.0 KB)", "1 (0 B)", "1", "0"]
