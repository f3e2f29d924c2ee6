"""Every way in (CLI rehearsal, invoke task, runbook step, rehearsal journey) defaults to the same
compute as a new stack: DEFAULT_COMPUTE."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest

from storyanalytics import cli
from storyanalytics.deploy.computes import DEFAULT_COMPUTE
from storyanalytics.rehearsal import journey
from storyanalytics.runbooks import steps

ROOT = Path(__file__).resolve().parents[2]


def _default(function: Any, name: str = "compute") -> object:
    return inspect.signature(function).parameters[name].default


def _tasks_rehearse() -> Any:
    spec = importlib.util.spec_from_file_location("project_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rehearse


@pytest.mark.parametrize(
    "function",
    [cli.rehearse, journey.run_rehearsal, journey.Rehearsal.__init__, steps.open_deployment],
    ids=["cli rehearse", "run_rehearsal", "Rehearsal", "open_deployment"],
)
def test_library_and_cli_default_to_the_new_stack_compute(function: Any) -> None:
    assert _default(function) == DEFAULT_COMPUTE


def test_the_invoke_task_defaults_to_the_new_stack_compute_and_says_so() -> None:
    task = _tasks_rehearse()
    assert _default(task.body) == DEFAULT_COMPUTE
    assert task.help["compute"].startswith(f"{DEFAULT_COMPUTE} (default)")
