"""A real server over real sockets and an S3 that can be paused: for availability tests in tests/api."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from dataclasses import dataclass

from fastapi import FastAPI


@dataclass
class LiveServer:
    """The app under uvicorn on a loopback port, for what needs real sockets (stalled clients)."""

    app: FastAPI
    url: str
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class MotoProcess:
    """A moto S3 server in its own process, so it can be paused (SIGSTOP) like a hung S3."""

    process: subprocess.Popen[bytes]
    url: str

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
