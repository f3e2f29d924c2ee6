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
    monkeypatch.setattr("storyanalytics.api.spa.PACKAGED_WEB_DIST", tmp_path / "no-packaged-build")
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
    assert "Node.js 20 or newer" in warnings[0] and "https://nodejs.org/" in warnings[0]


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
    calls = (web / "calls.txt").read_text().split("\n")
    assert calls[0].startswith("ci") and calls[1] == "run build"
    assert "npm ci && npm run build" in said[0]


def _fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text('#!/bin/sh\necho "$@" >> calls.txt\n')
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")


def _built(web: Path, *, sources_changed: bool) -> None:
    (web / "dist").mkdir()
    for page in ("index.html", "embed.html"):
        (web / "dist" / page).write_text("<html>")
    stamp = os.stat(web / "dist" / "index.html").st_mtime + (60 if sources_changed else -60)
    os.utime(web / "package.json", (stamp, stamp))


def test_up_to_date_build_is_served_without_running_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = web_dir(tmp_path, monkeypatch)
    _built(web, sources_changed=False)
    _fake_npm(tmp_path, monkeypatch)
    built = server.ensure_web_build(load_settings(_env_file=None), print, print, web)
    assert built == (web / "dist").resolve()
    assert not (web / "calls.txt").exists()


def test_changed_sources_are_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = web_dir(tmp_path, monkeypatch)
    _built(web, sources_changed=True)
    _fake_npm(tmp_path, monkeypatch)
    server.ensure_web_build(load_settings(_env_file=None), print, print, web)
    assert (web / "calls.txt").read_text().split("\n")[1] == "run build"


def test_changed_sources_without_npm_serve_the_earlier_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = web_dir(tmp_path, monkeypatch)
    _built(web, sources_changed=True)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    said: list[str] = []
    built = server.ensure_web_build(load_settings(_env_file=None), said.append, said.append, web)
    assert built == (web / "dist").resolve()
    assert "serving the previous build" in said[0]


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
