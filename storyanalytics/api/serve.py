"""`story-analytics serve`: build the web app if needed, check the database, run uvicorn."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from storyanalytics.api.spa import REPO_WEB_DIST, find_web_dist
from storyanalytics.config import Settings
from storyanalytics.db import make_engine, upgrade

Say = Callable[[str], None]
WEB_DIR = REPO_WEB_DIST.parent


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_web_build(settings: Settings, say: Say, warn: Say, web_dir: Path = WEB_DIR) -> Path | None:
    """The web app's dist folder, building it with npm when web/package.json exists and dist does not.

    Without npm (or when the build fails) the API is served anyway; the message says how to fix it.
    """
    found = find_web_dist(settings)
    if found is not None or settings.web_dist_dir is not None:
        return found
    if not (web_dir / "package.json").is_file():
        return None
    npm = shutil.which("npm")
    if npm is None:
        warn(
            "npm is not installed, so the web app cannot be built: serving the API only (see /docs). "
            "Install Node.js 20+ and run `npm ci && npm run build` in web/."
        )
        return None
    say("Building the web app (npm ci && npm run build in web/); this takes a minute the first time...")
    for step in (["ci"], ["run", "build"]):
        result = subprocess.run([npm, *step], cwd=web_dir, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            warn(f"`npm {' '.join(step)}` failed, serving the API only: " + " | ".join(tail))
            return None
    return find_web_dist(settings)


def prepare(settings: Settings, host: str, say: Say, warn: Say) -> None:
    """Everything that can fail with a clear sentence, done before uvicorn starts."""
    if not settings.auth_required and not is_loopback(host):
        warn(
            f"Auth is off (local mode) and the app will listen on {host}: anyone who can reach this "
            "machine can use it. Set AUTH_ENABLED=true or bind to 127.0.0.1."
        )
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    ensure_web_build(settings, say, warn)


def run(settings: Settings, host: str, port: int, reload: bool = False) -> None:
    import uvicorn

    if reload:
        # Reload needs an import string; the child process reads the same environment.
        uvicorn.run("storyanalytics.api.app:app", host=host, port=port, reload=True, proxy_headers=True)
        return
    from storyanalytics.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True)
