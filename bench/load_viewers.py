"""The public viewers of bench/load.py, run by wrk (bench/load_viewers.lua): 200 Python clients would cost
the machine more CPU than the server they measure, and their own queueing would count as its latency."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

THINK_MS = 500  # each viewer waits this long between reads
SCRIPT = Path(__file__).resolve().parent / "load_viewers.lua"


@dataclass
class ViewerTally:
    """What wrk saw: answers per wall-clock second (second, ok, failed, server errors), requests that got
    no answer (wrk does not say when), and the latency percentiles in seconds."""

    requests: int
    no_answer: int
    p50: float
    p99: float
    seconds: list[tuple[int, int, int, int]] = field(default_factory=list)


async def run_viewers(url: str, paths: list[str], viewers: int, seconds: float) -> ViewerTally:
    """`viewers` connections reading `paths` in turn for `seconds`."""
    process = await asyncio.create_subprocess_exec(
        *("wrk", "-t2", f"-c{viewers}", f"-d{seconds:g}s", "--timeout", "30s"),
        *("-s", str(SCRIPT), url, "--", str(THINK_MS), *paths),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return read_wrk_output(output.decode())


def read_wrk_output(output: str) -> ViewerTally:
    """The lines load_viewers.lua's done() prints: `viewers`, `latency` and a `second` line per second."""
    summary: list[int] = []
    latency: list[int] = []
    per_second: list[tuple[int, int, int, int]] = []
    for line in output.splitlines():
        kind, *numbers = line.split() or [""]
        values = [int(n) for n in numbers] if kind in ("viewers", "latency", "second") else []
        if kind == "viewers":
            summary = values
        elif kind == "latency":
            latency = values
        elif kind == "second":
            second, ok, failed, server_errors = values
            per_second.append((second, ok, failed, server_errors))
    if not summary or not latency:
        raise SystemExit(f"Error: could not read wrk's output:\n{output}")
    requests, connect, read, write, timeout, _status = summary
    p50, p99, _max = (value / 1e6 for value in latency)
    return ViewerTally(requests, connect + read + write + timeout, p50, p99, per_second)
