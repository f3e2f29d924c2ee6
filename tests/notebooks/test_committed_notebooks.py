"""The notebooks as committed: clean (no outputs), parameterised, and free of anything secret."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from storyanalytics.runbooks import NOTEBOOKS, find_secrets, read_parameters

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = [NOTEBOOK_DIR / name for name in NOTEBOOKS.values()]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs_or_execution_counts(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_notebook_has_one_tagged_parameters_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert {"region", "stack_name", "endpoint_url"} <= set(read_parameters(path))


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_notebook_holds_no_secret_looking_strings(path: Path) -> None:
    assert find_secrets(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_code_cells_are_thin(path: Path) -> None:
    """No logic in notebooks: short cells, no loops or conditionals."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            assert len(cell.source.splitlines()) <= 4
            assert not any(word in cell.source for word in ("for ", "if ", "while ", "def "))


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_opens_with_what_it_does_costs_and_how_to_undo_it(path: Path) -> None:
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    for heading in ("What this does", "What it costs", "How to undo it"):
        assert f"**{heading}**" in first.source
