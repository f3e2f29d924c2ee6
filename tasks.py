"""invoke tasks: thin callers of the library and of the tools named in pyproject.toml."""

from __future__ import annotations

from invoke import Context, task


@task(help={"args": "Extra arguments for pytest, e.g. -k storage"})
def test(c: Context, args: str = "") -> None:
    """Run the whole test suite."""
    c.run(f"python -m pytest {args}", pty=False)


@task
def lint(c: Context) -> None:
    """ruff (lint and format check) and mypy on the library."""
    c.run("ruff check .")
    c.run("ruff format --check .")
    c.run("mypy")


@task
def fmt(c: Context) -> None:
    """Format and auto-fix with ruff."""
    c.run("ruff format .")
    c.run("ruff check --fix .")


@task
def checkov_venv(c: Context) -> None:
    """Install checkov into its own .venv-checkov (it pins a `packaging` that clashes with the dev tools)."""
    c.run("python -m venv .venv-checkov")
    c.run(".venv-checkov/bin/python -m pip install --quiet --upgrade pip 'checkov>=3.2'")


@task(
    help={
        "data_dir": "Local data folder (default ./data)",
        "bucket": "The stack's bucket (default: S3_BUCKET)",
        "prefix": "Key prefix inside the bucket",
        "dry_run": "Show what would be copied; write nothing",
        "merge": "Add missing rows to a database that already has some",
        "overwrite": "Replace files that differ in the bucket",
        "report": "Where to write the JSON report",
    }
)
def migrate(
    c: Context,
    data_dir: str = "./data",
    bucket: str = "",
    prefix: str = "",
    dry_run: bool = False,
    merge: bool = False,
    overwrite: bool = False,
    report: str = "migrate-report.json",
) -> None:
    """Copy the local install into the cloud stack (DATABASE_URL from the environment)."""
    import shlex

    args = ["story-analytics", "migrate", "--data-dir", data_dir, "--report", report]
    if bucket:
        args += ["--bucket", bucket]
    if prefix:
        args += ["--prefix", prefix]
    args += ["--dry-run"] * dry_run + ["--merge"] * merge + ["--overwrite"] * overwrite
    c.run(shlex.join(args), pty=False)
