"""Stopping a child process this program started: ask it to end, and kill it if it does not in time,
so no server, app or emulator is left running behind a test, a bench or the rehearsal."""

from __future__ import annotations

import subprocess
from typing import Any


def stop_process(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Terminate `process` and wait up to `timeout` seconds; then kill it and reap it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
