"""The built web app ships inside the Python package: the wheel and the sdist carry it (setup.py's hook
copies web/dist into storyanalytics/web_dist), a wheel built from the sdist still has it without Node,
and the serving code finds it when there is no web/ folder. Builds run offline with setuptools'
PEP 517 hooks in a small virtualenv (slow: it installs setuptools once)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from storyanalytics.api import spa
from storyanalytics.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
BUILD = "from setuptools import build_meta as b; import sys; print(getattr(b, sys.argv[1])(sys.argv[2]))"


@pytest.fixture(scope="module")
def build_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the [build-system] requirements of pyproject.toml."""
    venv = tmp_path_factory.mktemp("build") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "setuptools>=77", "wheel"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    return python


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The files a clone builds the package from, with web/dist already built (newer than its sources)."""
    project = tmp_path / "clone"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "storyanalytics",
        project / "storyanalytics",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "web_dist", "web_dist.tmp"),
    )
    web = project / "web"
    (web / "src").mkdir(parents=True)
    (web / "package.json").write_text('{"name": "storyanalytics-web"}\n')
    (web / "src" / "main.jsx").write_text("export {};\n")
    old = time.time() - 60
    os.utime(web / "package.json", (old, old))
    os.utime(web / "src" / "main.jsx", (old, old))
    (web / "dist" / "assets").mkdir(parents=True)
    for page in ("index.html", "embed.html"):
        (web / "dist" / page).write_text(f"<html>{page}</html>\n")
    (web / "dist" / "assets" / "app-1234.js").write_text("console.log('app');\n")
    return project


def _build(python: Path, hook: str, project: Path, out: Path, path: str = "/usr/bin:/bin") -> str:
    out.mkdir(exist_ok=True)
    result = subprocess.run(
        [str(python), "-c", BUILD, hook, str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": path, "HOME": str(out), "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


WEB_FILES = {"index.html", "embed.html", "assets/app-1234.js"}


def _web_files_in_wheel(wheel: Path) -> set[str]:
    prefix = "storyanalytics/web_dist/"
    with zipfile.ZipFile(wheel) as archive:
        return {name[len(prefix) :] for name in archive.namelist() if name.startswith(prefix)}


@pytest.mark.slow
def test_wheel_built_from_a_clone_carries_the_web_app(
    build_python: Path, clone: Path, tmp_path: Path
) -> None:
    wheel = _build(build_python, "build_wheel", clone, tmp_path / "out")
    assert _web_files_in_wheel(tmp_path / "out" / wheel) == WEB_FILES


@pytest.mark.slow
def test_sdist_carries_the_web_app_and_its_wheel_needs_no_node(
    build_python: Path, clone: Path, tmp_path: Path
) -> None:
    sdist = tmp_path / "out" / _build(build_python, "build_sdist", clone, tmp_path / "out")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    assert not (unpacked / "web").exists()
    assert {
        p.relative_to(unpacked / "storyanalytics" / "web_dist").as_posix()
        for p in (unpacked / "storyanalytics" / "web_dist").rglob("*")
        if p.is_file()
    } == WEB_FILES
    wheel = _build(build_python, "build_wheel", unpacked, tmp_path / "wheel", path=str(tmp_path / "no-node"))
    assert _web_files_in_wheel(tmp_path / "wheel" / wheel) == WEB_FILES


@pytest.mark.slow
def test_wheel_build_without_node_and_without_a_build_says_what_to_install(
    build_python: Path, clone: Path, tmp_path: Path
) -> None:
    shutil.rmtree(clone / "web" / "dist")
    result = subprocess.run(
        [str(build_python), "-c", BUILD, "build_wheel", str(tmp_path / "out")],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": str(tmp_path / "no-node"), "HOME": str(tmp_path), "LANG": "C.UTF-8"},
    )
    assert result.returncode != 0
    assert "Node.js 20 or newer" in result.stderr and "https://nodejs.org/" in result.stderr


def test_installed_package_serves_the_web_app_it_carries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = tmp_path / "site-packages" / "storyanalytics" / "web_dist"
    packaged.mkdir(parents=True)
    (packaged / "index.html").write_text("<html></html>")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(spa, "REPO_WEB_DIST", tmp_path / "no-clone" / "web" / "dist")
    monkeypatch.setattr(spa, "PACKAGED_WEB_DIST", packaged)
    assert spa.find_web_dist(load_settings(_env_file=None)) == packaged.resolve()
