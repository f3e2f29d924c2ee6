"""Make sure notebooks run on this environment's interpreter, whatever kernels the machine has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from storyanalytics.errors import StoryAnalyticsError

DEFAULT_KERNEL = "python3"
OWN_KERNEL = "story-analytics"
# jupyter_client swaps these for the interpreter that launches the kernel, i.e. ours.
_RELATIVE_PYTHONS = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}


class KernelError(StoryAnalyticsError):
    """No Jupyter kernel can run this environment's Python."""


def _same_python(executable: str) -> bool:
    if executable in _RELATIVE_PYTHONS:
        return True
    try:
        return Path(executable).resolve() == Path(sys.executable).resolve() or Path(executable) == Path(
            sys.executable
        )
    except OSError:
        return False


def _runs_our_python(name: str) -> bool:
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return False
    return bool(spec.argv) and _same_python(spec.argv[0])


def ensure_kernel() -> str:
    """The kernel name to run notebooks with; installs one for this interpreter (in sys.prefix) if needed."""
    if _runs_our_python(DEFAULT_KERNEL):
        return DEFAULT_KERNEL
    if _runs_our_python(OWN_KERNEL):
        return OWN_KERNEL
    command = [
        sys.executable,
        "-m",
        "ipykernel",
        "install",
        "--sys-prefix",
        "--name",
        OWN_KERNEL,
        "--display-name",
        "Python (Story Analytics)",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), check=False)
    if result.returncode != 0 or not _runs_our_python(OWN_KERNEL):
        raise KernelError(
            "cannot register a Jupyter kernel for this Python: run "
            f"'{sys.executable} -m ipykernel install --sys-prefix' and try again."
        )
    return OWN_KERNEL
