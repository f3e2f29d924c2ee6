"""The console script's shared behaviour: one clear sentence for problems a user can fix."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_cli_without(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `story-analytics ARGS` in a fresh interpreter where `module` cannot be imported."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules[{module!r}] = None  # makes `import {module}` fail as if it were not installed
        from storyanalytics.cli import main
        main({list(args)!r})
        """
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def test_missing_notebook_extra_names_the_pip_command() -> None:
    result = run_cli_without("papermill", "notebook", "deploy")

    assert result.returncode == 2
    assert "pip install 'storyanalytics[notebooks]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_rehearsal_extra_names_the_pip_command() -> None:
    result = run_cli_without("moto", "rehearse")

    assert result.returncode == 2
    assert "pip install 'storyanalytics[rehearsal]'" in result.stderr
    assert "Traceback" not in result.stderr
