"""A benchmark script exits non-zero when a target is missed or could not be measured."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

GATE_PATH = Path(__file__).resolve().parents[2] / "bench" / "gate.py"


@pytest.fixture
def gate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_gate", GATE_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_target_met_exits_zero(gate_module: ModuleType) -> None:
    gate = gate_module.Gate()
    assert gate.record("public", True) == "PASS"
    assert gate.record("chart", True) == "PASS"
    assert gate.finish() == 0


def test_one_missed_target_exits_one_and_names_it(
    gate_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = gate_module.Gate()
    gate.record("public", True)
    assert gate.record("304/304", False) == "MISS"
    assert gate.finish() == 1
    assert "Missed 1 of 2 targets: 304/304" in capsys.readouterr().out


def test_a_target_that_could_not_be_measured_counts_as_missed(gate_module: ModuleType) -> None:
    gate = gate_module.Gate()
    gate.record("files", True)
    assert gate.unmeasured("metadata", "pgloader is not installed") == "MISS"
    assert gate.finish() == 1


def test_a_run_that_measured_nothing_is_not_a_pass(gate_module: ModuleType) -> None:
    assert gate_module.Gate().finish() == 1
