"""Mutation testing of the failure and data-deletion paths (`invoke mutants`): a tool, not part of CI.

Why mutmut (3.x) and not cosmic-ray: mutmut installs from PyPI and runs on Python 3.11 here, needs no
session database or worker setup, and forks one process per mutant running only the tests that cover
the mutated function (found once in a stats run), so a module fits in minutes on a shared 2-core
machine; cosmic-ray rewrites the file on disk and starts a whole pytest run per mutant.

Each module runs in its own scratch folder under mutation-report/ (git-ignored), with its own mutmut
configuration (the files to mutate, the fast tests that guard them); nothing in the checkout changes.
The report (mutation-report/<module>.md) counts killed, survived and equivalent mutants: survivors
listed in mutation/equivalents.toml with a one-line reason are equivalent (no test can tell them apart
from the original), every other survivor, including a mutant no test reaches, is a missing test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "mutation-report"
EQUIVALENTS = Path(__file__).with_name("equivalents.toml")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests", "suspicious"}


@dataclass(frozen=True)
class Module:
    """What to mutate and which tests guard it."""

    mutate: tuple[str, ...]
    tests: tuple[str, ...]


MODULES = {
    "deploy": Module(
        mutate=tuple(
            f"storyanalytics/deploy/{name}.py"
            for name in (
                "stack_deployer",
                "stack",
                "leftovers",
                "teardown",
                "buckets",
                "changeset",
                "events",
                "errors",
                "service_logs",
                "watch",
            )
        ),
        tests=(
            "tests/deploy/test_deploy_stack_deployer_stubbed.py",
            "tests/deploy/test_deploy_outcomes_stubbed.py",
            "tests/deploy/test_deploy_destroy_data_stubbed.py",
            "tests/deploy/test_deploy_buckets_and_reads_stubbed.py",
            "tests/deploy/test_deploy_signals_stubbed.py",
            "tests/deploy/test_deploy_watch.py",
            "tests/deploy/test_deploy_leftovers_stubbed.py",
        ),
    ),
    "checks": Module(
        mutate=("storyanalytics/checks/*",),
        # Stubber and a loopback server, sub-second each. tests/notebooks/test_checks.py (the same checks
        # against a moto stack) is left out: it takes minutes, so under mutmut its mutants time out or
        # are never run.
        tests=("tests/checks",),
    ),
    "migrate": Module(
        mutate=tuple(
            f"storyanalytics/migrate/{name}.py"
            for name in ("checks", "storage_copy", "database_copy", "copy_text", "table_writer")
        ),
        tests=(
            "tests/migrate/test_preflight_refusals.py",
            "tests/migrate/test_storage_copy_outcomes.py",
            "tests/migrate/test_database_copy_outcomes.py",
        ),
    ),
}


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def prepare(name: str, module: Module, *, configure: bool = True) -> Path:
    """A scratch folder that sees the checkout's code and tests, with this module's mutmut settings."""
    work = REPORTS / "work" / name
    work.mkdir(parents=True, exist_ok=True)
    for part in ("storyanalytics", "tests"):
        link = work / part
        if not link.is_symlink():
            link.symlink_to(ROOT / part, target_is_directory=True)
    pyproject = (ROOT / "pyproject.toml").read_text()
    pytest_section = re.search(r"^\[tool\.pytest\.ini_options\]\n.*?(?=^\[)", pyproject, re.M | re.S)
    assert pytest_section, "pyproject.toml has no [tool.pytest.ini_options]"
    settings = (
        pytest_section.group(0)
        + "\n[tool.mutmut]\n"
        + 'source_paths = ["storyanalytics"]\n'
        + f"only_mutate = {_toml_list(module.mutate)}\n"
        + 'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
        + f"pytest_add_cli_args_test_selection = {_toml_list(module.tests)}\n"
    )
    # New settings change every verdict: start afresh. New tests only need the survivors tried again
    # (mutmut maps new tests to functions itself, but keeps the verdicts it already has).
    current = work / "pyproject.toml"
    if configure and (not current.exists() or current.read_text() != settings):
        shutil.rmtree(work / "mutants", ignore_errors=True)
        current.write_text(settings)
    return work


def tests_fingerprint(module: Module) -> str:
    digest = hashlib.sha256()
    for pattern in module.tests:
        for found in sorted(ROOT.glob(pattern)):
            for path in sorted(found.rglob("*.py")) if found.is_dir() else [found]:
                digest.update(path.read_bytes())
    return digest.hexdigest()


def run_mutmut(
    work: Path,
    name: str,
    module: Module,
    minutes: float,
    equivalents: dict[str, str] | None = None,
    *,
    retry: bool = False,
) -> bool:
    """mutmut run over this module's mutants, niced, one child; False when time ran out first.

    When the module's tests changed since the last run, the survivors are tried again first (not the
    ones judged equivalent: no test can kill those); survivors of this run met the current tests already.
    """
    mutmut = Path(sys.executable).with_name("mutmut")
    deadline = time.monotonic() + minutes * 60
    stamp = work / "tests.sha256"
    fingerprint = tests_fingerprint(module)
    retry = retry or (stamp.exists() and stamp.read_text() != fingerprint)
    judged = equivalents or {}
    with (REPORTS / f"{name}.log").open("w") as log:

        def mutmut_run(*names: str) -> None:
            subprocess.run(
                ["nice", "-n", "15", str(mutmut), "run", "--max-children", "1", *names],
                cwd=work,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=max(deadline - time.monotonic(), 1),
                check=False,
            )

        try:
            # The earlier survivors first, against the current tests: new tests are written for them, and
            # a run that runs out of time should have tried them before the long tail of new mutants.
            survivors = [
                m for m, status in results(work, name).items() if status in SURVIVED and m not in judged
            ]
            if retry and survivors:
                mutmut_run(*survivors)
            # Then no names: mutmut runs only the mutants without a verdict (naming them redoes all).
            mutmut_run()
        except subprocess.TimeoutExpired:
            return False
    stamp.write_text(fingerprint)
    return True


def results(work: Path, name: str) -> dict[str, str]:
    """Mutant name -> mutmut's status, for this module's mutants."""
    mutmut = Path(sys.executable).with_name("mutmut")
    listed = subprocess.run(
        [str(mutmut), "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=False
    ).stdout
    found: dict[str, str] = {}
    for line in listed.splitlines():
        mutant, _, status = line.strip().rpartition(": ")
        if mutant.startswith(f"storyanalytics.{name}."):
            found[mutant] = status
    return found


SHOW_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
diffs = {}
for name in sys.argv[1:]:
    try:
        diffs[name] = get_diff_for_mutant(name)
    except Exception as exc:  # one unreadable mutant must not hide the others
        diffs[name] = f"(no diff: {type(exc).__name__})"
print(json.dumps(diffs))
"""


def changed_lines(work: Path, mutants: list[str]) -> dict[str, str]:
    """Each mutant's changed line ('-' original / '+' mutant), read in one process (mutmut show is slow)."""
    if not mutants:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_DIFFS, *mutants], cwd=work, capture_output=True, text=True, check=False
    )
    try:
        diffs: dict[str, str] = json.loads(shown.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}
    return {
        name: " / ".join(
            line.strip() for line in diff.splitlines() if line[:1] in "-+" and line[:3] not in {"---", "+++"}
        )[:200]
        for name, diff in diffs.items()
    }


@dataclass
class Summary:
    """Killed, survived and equivalent mutants of one module."""

    module: str
    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)
    equivalent: dict[str, str] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Killed out of the mutants that a test could tell apart (not equivalent, actually run)."""
        judged = len(self.killed) + len(self.survived)
        return len(self.killed) / judged if judged else 0.0


def summarize(module: str, statuses: dict[str, str], equivalents: dict[str, str]) -> Summary:
    summary = Summary(module)
    for mutant, status in sorted(statuses.items()):
        if status in KILLED:
            summary.killed.append(mutant)
        elif status in SURVIVED and mutant in equivalents:
            summary.equivalent[mutant] = equivalents[mutant]
        elif status in SURVIVED:
            summary.survived.append(mutant)
        else:
            summary.unchecked.append(f"{mutant} ({status})")
    return summary


def per_file(names: list[str] | dict[str, str]) -> Counter[str]:
    return Counter(name.split(".x")[0] for name in names)


def headline(summary: Summary) -> str:
    return (
        f"killed {len(summary.killed)}, survived {len(summary.survived)}, "
        f"equivalent {len(summary.equivalent)}, not run {len(summary.unchecked)}: "
        f"{summary.score:.0%} of non-equivalent mutants killed"
    )


def write_report(summary: Summary, work: Path, finished: bool) -> Path:
    path = REPORTS / f"{summary.module}.md"
    files = sorted(
        set(per_file(summary.killed)) | set(per_file(summary.survived)) | set(per_file(summary.equivalent))
    )
    killed, survived, equivalent = (
        per_file(summary.killed),
        per_file(summary.survived),
        per_file(summary.equivalent),
    )
    diffs = changed_lines(work, summary.survived)
    lines = [
        f"# Mutation testing: storyanalytics.{summary.module}",
        "",
        headline(summary) + ("" if finished else " (time ran out: run again to continue)"),
        "",
        "| file | killed | survived | equivalent |",
        "|---|---|---|---|",
        *(f"| {name} | {killed[name]} | {survived[name]} | {equivalent[name]} |" for name in files),
        "",
        "## Survivors (a missing test each)",
        *(f"- `{mutant}`: {diffs.get(mutant, '')}" for mutant in summary.survived),
        "",
        "## Equivalent (judged by hand, mutation/equivalents.toml)",
        *(f"- `{mutant}`: {reason}" for mutant, reason in summary.equivalent.items()),
        "",
        "## Killed",
        *(f"- `{mutant}`" for mutant in summary.killed),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "modules", nargs="*", help=f"some of {', '.join(MODULES)} (default: all, one at a time)"
    )
    parser.add_argument("--minutes", type=float, default=60, help="time limit per module")
    parser.add_argument("--report-only", action="store_true", help="rewrite the reports from the last runs")
    parser.add_argument(
        "--retry", action="store_true", help="try the survivors again (e.g. after tests changed mid-run)"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}: choose from {', '.join(MODULES)}")
    equivalents: dict[str, str] = tomllib.loads(EQUIVALENTS.read_text()).get("equivalent", {})
    worst = 1.0
    for name in args.modules or list(MODULES):
        work = prepare(name, MODULES[name], configure=not args.report_only)
        finished = (
            True
            if args.report_only
            else run_mutmut(work, name, MODULES[name], args.minutes, equivalents, retry=args.retry)
        )
        summary = summarize(name, results(work, name), equivalents)
        path = write_report(summary, work, finished)
        worst = min(worst, summary.score)
        print(f"{name}: {headline(summary)} ({path.relative_to(ROOT)})")
    return 0 if worst >= 0.9 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
