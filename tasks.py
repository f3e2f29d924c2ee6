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
