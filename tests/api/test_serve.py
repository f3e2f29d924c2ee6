"""`story-analytics serve`: web build when needed, clear messages, loopback by default."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from storyanalytics import cli
from storyanalytics.api import serve as server
from storyanalytics.config import load_settings


def web_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A web/ folder with package.json and no dist; the repository's own build is hidden."""
    monkeypatch.chdir(tmp_path)
    web = tmp_path / "web"
    monkeypatch.setattr("storyanalytics.api.spa.REPO_WEB_DIST", web / "dist")
    web.mkdir()
    (web / "package.json").write_text("{}")
    return web


def test_without_npm_the_api_is_served_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    warnings: list[str] = []
    result = server.ensure_web_build(
        load_settings(_env_file=None), print, warnings.append, web_dir(tmp_path, monkeypatch)
    )
    assert result is None
    assert "npm is not installed" in warnings[0] and "API" in warnings[0]


def test_missing_dist_is_built_with_npm_ci_and_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = web_dir(tmp_path, monkeypatch)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(
        '#!/bin/sh\necho "$@" >> calls.txt\n'
        'if [ "$1" = run ]; then mkdir -p dist && echo "<html>" > dist/index.html; fi\n'
    )
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    said: list[str] = []
    built = server.ensure_web_build(load_settings(_env_file=None), said.append, said.append, web)
    assert built == (web / "dist").resolve()
    assert (web / "calls.txt").read_text().split("\n")[:2] == ["ci", "run build"]
    assert "npm ci && npm run build" in said[0]


def test_serve_binds_loopback_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, Any] = {}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(server, "ensure_web_build", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        server, "run", lambda settings, host, port, reload=False: calls.update(host=host, port=port)
    )
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    assert calls == {"host": "127.0.0.1", "port": 8000}


def test_serve_with_unreachable_database_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(server, "run", lambda *args, **kwargs: pytest.fail("must not start"))
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 2
    assert "DATABASE_URL" in result.output and "Traceback" not in result.output


def test_auth_off_on_a_public_address_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(server, "ensure_web_build", lambda *args, **kwargs: None)
    settings = load_settings(data_dir=tmp_path / "data", _env_file=None)
    server.prepare(settings, "0.0.0.0", print, warnings.append)
    assert "AUTH_ENABLED" in warnings[0]
