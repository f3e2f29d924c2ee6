"""Run a runbook notebook with papermill and keep a scrubbed, timestamped copy under notebooks/runs/."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.runbooks.kernel import ensure_kernel
from storyanalytics.runbooks.params import read_parameters, validate_parameters
from storyanalytics.runbooks.scrub import redact_text, scrub_notebook

# Short names people type -> notebook files in notebooks/.
NOTEBOOKS: dict[str, str] = {
    "deploy": "01_deploy.ipynb",
    "migrate": "02_migrate_local_data.ipynb",
    "check": "03_check_stack.ipynb",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookError(StoryAnalyticsError):
    """A notebook cannot be found or run."""


class NotebookFailed(NotebookError):
    """A cell raised; the message carries the cell's error and where the executed copy is."""

    def __init__(self, message: str, output_path: Path) -> None:
        super().__init__(message)
        self.output_path = output_path


@dataclass(frozen=True)
class NotebookRun:
    name: str
    output_path: Path
    parameters: dict[str, Any]


def default_notebooks_dir() -> Path:
    """notebooks/ of the source checkout this package runs from, else ./notebooks."""
    checkout = Path(__file__).resolve().parents[2] / "notebooks"
    if (checkout / NOTEBOOKS["deploy"]).exists():
        return checkout
    return Path.cwd() / "notebooks"


def notebook_path(name: str, notebooks_dir: Path | None = None) -> Path:
    folder = notebooks_dir or default_notebooks_dir()
    file_name = NOTEBOOKS.get(name, name if name.endswith(".ipynb") else "")
    if not file_name:
        raise NotebookError(f"there is no notebook called {name!r}: use one of {', '.join(NOTEBOOKS)}.")
    path = folder / file_name
    if not path.exists():
        raise NotebookError(f"notebook {path} does not exist: run this from the Story Analytics checkout.")
    return path


def _output_path(runs_dir: Path, name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = runs_dir / f"{stamp}-{name}.ipynb"
    counter = 2
    while path.exists():
        path = runs_dir / f"{stamp}-{name}-{counter}.ipynb"
        counter += 1
    return path


@contextlib.contextmanager
def _environment(overrides: Mapping[str, str | None]) -> Iterator[None]:
    """The kernel inherits this process's environment; set `overrides` (None removes) for the run only."""
    saved = {key: os.environ.get(key) for key in overrides}
    try:
        _set_environment(overrides)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: Mapping[str, str | None]) -> None:
    """Set each variable to its value; None removes it."""
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _short_name(path: Path) -> str:
    for name, file_name in NOTEBOOKS.items():
        if file_name == path.name:
            return name
    return path.stem


def run_notebook(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    notebooks_dir: Path | None = None,
    runs_dir: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    known_secrets: Iterable[str] = (),
    progress_bar: bool = True,
    log_output: bool = False,
    start_timeout: int = 120,
) -> NotebookRun:
    """Check the parameters, execute the notebook, write the scrubbed copy; raise NotebookFailed on error."""
    source = notebook_path(name, notebooks_dir)
    short = _short_name(source)
    checked = validate_parameters(read_parameters(source), parameters or {}, notebook=source.name)
    kernel = ensure_kernel()
    target = _output_path(runs_dir or source.parent / "runs", short)
    target.parent.mkdir(parents=True, exist_ok=True)
    secrets = tuple(known_secrets)

    # Execute into a private temporary folder; only the scrubbed notebook lands in runs/.
    with tempfile.TemporaryDirectory(prefix="sa-notebook-") as private:
        raw = Path(private) / source.name
        failure: PapermillExecutionError | None = None
        with _environment(env or {}):
            try:
                papermill.execute_notebook(
                    str(source),
                    str(raw),
                    parameters=checked,
                    kernel_name=kernel,
                    progress_bar=progress_bar,
                    log_output=log_output,
                    start_timeout=start_timeout,
                    request_save_on_cell_execute=False,
                )
            except PapermillExecutionError as exc:
                failure = exc
        if not raw.exists():
            raise NotebookError(f"notebook {source.name} did not run: its kernel could not start.")
        notebook = nbformat.read(raw, as_version=4)
        scrub_notebook(notebook, secrets)
        nbformat.write(notebook, target)

    if failure is not None:
        reason = _ANSI.sub("", f"{failure.ename}: {failure.evalue}").strip()
        raise NotebookFailed(
            f"notebook {source.name} stopped at cell {failure.exec_count}: {redact_text(reason, secrets)} "
            f"(the executed copy is {target})",
            target,
        )
    return NotebookRun(short, target, checked)
