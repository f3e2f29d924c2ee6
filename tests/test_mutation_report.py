"""`invoke mutants` counts a mutant no test reaches as a survivor, and only hand-judged ones as equivalent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUN = Path(__file__).resolve().parents[1] / "mutation" / "run.py"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_score_counts_untested_mutants_as_survivors_and_leaves_out_equivalents(tool: ModuleType) -> None:
    statuses = {
        "storyanalytics.checks.stack.x_a__mutmut_1": "killed",
        "storyanalytics.checks.stack.x_a__mutmut_2": "timeout",
        "storyanalytics.checks.stack.x_a__mutmut_3": "survived",
        "storyanalytics.checks.stack.x_a__mutmut_4": "no tests",
        "storyanalytics.checks.stack.x_a__mutmut_5": "survived",
        "storyanalytics.checks.stack.x_a__mutmut_6": "not checked",
    }
    equivalents = {"storyanalytics.checks.stack.x_a__mutmut_5": "logs the same line twice"}
    summary = tool.summarize("checks", statuses, equivalents)
    assert len(summary.killed) == 2
    assert summary.survived == [
        "storyanalytics.checks.stack.x_a__mutmut_3",
        "storyanalytics.checks.stack.x_a__mutmut_4",
    ]
    assert summary.equivalent == equivalents
    assert summary.unchecked == ["storyanalytics.checks.stack.x_a__mutmut_6 (not checked)"]
    assert summary.score == pytest.approx(0.5)


def test_every_judged_equivalent_gives_its_reason(tool: ModuleType) -> None:
    import tomllib

    judged = tomllib.loads(tool.EQUIVALENTS.read_text()).get("equivalent", {})
    for mutant, reason in judged.items():
        assert mutant.startswith(
            ("storyanalytics.deploy.", "storyanalytics.checks.", "storyanalytics.migrate.")
        )
        assert len(reason.strip()) > 10, f"{mutant} needs a one-line reason"


def test_every_module_names_code_and_tests_that_exist(tool: ModuleType) -> None:
    root = RUN.parents[1]
    for name, module in tool.MODULES.items():
        assert all(list(root.glob(pattern)) for pattern in module.mutate), name
        for path in module.tests:  # a test file, or a folder of them
            tests = root / path
            assert tests.is_file() or any(tests.glob("test_*.py")), (name, path)


def test_a_changed_test_in_a_test_folder_changes_the_fingerprint(
    tool: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So `invoke mutants` tries the survivors again after a test in the folder changed."""
    folder = tmp_path / "tests" / "checks"
    folder.mkdir(parents=True)
    (folder / "test_a.py").write_text("def test_a(): pass\n")
    module = tool.Module(mutate=(), tests=("tests/checks",))
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    before = tool.tests_fingerprint(module)
    (folder / "test_a.py").write_text("def test_a(): assert True\n")
    assert tool.tests_fingerprint(module) != before
