"""Build the web app when stale, run the real app in a subprocess, serve a page from another origin.

Shared by the browser tests and bench/web.py.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from storyanalytics import web_assets
from storyanalytics.processes import stop_process
from storyanalytics.rehearsal.standins.cdn import serving

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHART_DATA = ROOT / "tests" / "data" / "charts"
CHART_TYPES = re.findall(r'\{ id: "([a-z0-9-]+)"', (WEB / "src/charts/types.js").read_text())
MARK_GROUPS = ("bar", "rect", "line", "area", "dot", "cell", "geo", "link", "arrow", "pie", "donut")
# A chart's marks as Plot draws them (or a table's cells).
MARKS = ", ".join(f"g[aria-label={name}] :is(rect, path, circle, line)" for name in MARK_GROUPS) + ", td"


def missing_reason() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if shutil.which("npm") is None and not (DIST / "index.html").is_file():
        return "node/npm is missing and web/dist is not built"
    return None


def web_is_stale() -> bool:
    return web_assets.is_stale(WEB)


def ensure_node_modules() -> None:
    """npm ci when node_modules is missing or older than the lock file (the library's one way)."""
    web_assets.ensure_node_modules(WEB)


def ensure_web_built() -> None:
    """npm ci if needed, then npm run build, only when web/dist is older than its sources; without npm,
    whatever is built stays (the callers skip when nothing is)."""
    if shutil.which("npm") is None:
        return
    try:
        web_assets.build_if_stale(WEB, say=lambda line: None)
    except web_assets.WebBuildError as exc:
        raise RuntimeError(str(exc)) from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(data_dir: Path, log_path: Path, **env: str) -> Iterator[str]:
    """The real app (uvicorn, local mode, its own DATA_DIR) on a free port; yields its base URL."""
    port = free_port()
    child_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "STORAGE_BACKEND", "APP_MODE", "AUTH_ENABLED", "JWT_SECRET"}
    }
    child_env.update(
        {"DATA_DIR": str(data_dir), "WEB_DIST_DIR": str(DIST), "STORAGE_BACKEND": "local", **env}
    )
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "storyanalytics.api.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=child_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"The app exited early; see {log_path}:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"The app did not become healthy within 60 s; see {log_path}")
            time.sleep(0.2)
        yield base
    finally:
        stop_process(proc)
        log.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """A plain http.server on another loopback port (a different origin than the app); yields its URL."""
    with serving(functools.partial(_QuietHandler, directory=str(directory))) as url:
        yield url
