"""`story-analytics serve`: build the web app if needed, check the database, run uvicorn."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

from storyanalytics.api.spa import REPO_WEB_DIST, find_web_dist
from storyanalytics.config import Settings
from storyanalytics.db import make_engine, upgrade
from storyanalytics.web_assets import WebBuildError, build_if_stale

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
    """The web app's dist folder. From a clone (web/package.json present) it is rebuilt with npm only
    when its sources changed; an installed package serves the build it carries.

    Without npm and without a build (or when the build fails) the API is served anyway, and the message
    says exactly what to install.
    """
    if settings.web_dist_dir is None and (web_dir / "package.json").is_file():
        try:
            build_if_stale(web_dir, say)
        except WebBuildError as exc:
            if find_web_dist(settings) is None:
                warn(f"{exc} Serving the API only (see /docs) until then.")
                return None
            warn(f"{exc} Serving the web app built earlier.")
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
