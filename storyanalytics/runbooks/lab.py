"""JupyterLab on the runbook notebooks, with a kernel that runs this environment's Python.

`invoke lab` and `story-analytics lab` call `lab_command`: JupyterLab is started by this interpreter
(`python -m jupyterlab`), so its native "python3" kernel is ours; when another "python3" kernelspec on
the machine points elsewhere, ensure_kernel registers one for us and it becomes the default.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from storyanalytics.runbooks.kernel import ensure_kernel
from storyanalytics.runbooks.runner import NOTEBOOKS, NotebookError, default_notebooks_dir

INSTALL_HINT = "pip install 'storyanalytics[notebooks]' (from a clone: pip install -e '.[notebooks]')"


def lab_command(
    notebooks_dir: Path | None = None, *, port: int | None = None, open_browser: bool = True
) -> list[str]:
    """The JupyterLab command line for the runbook notebooks; refuses clearly when something is missing."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise NotebookError(f"JupyterLab is not installed: {INSTALL_HINT}.")
    folder = (notebooks_dir or default_notebooks_dir()).resolve()
    if not (folder / NOTEBOOKS["deploy"]).is_file():
        raise NotebookError(
            f"{folder} does not hold the runbook notebooks: run this from the project folder or pass "
            "--notebooks-dir."
        )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        f"--MappingKernelManager.default_kernel_name={ensure_kernel()}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # containers often run as root; JupyterLab refuses
    if port:
        command.append(f"--ServerApp.port={port}")
    if not open_browser:
        command.append("--ServerApp.open_browser=False")
    return command
