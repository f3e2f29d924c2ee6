"""The `notebooks` extra is enough for JupyterLab: a fresh virtualenv with only that extra starts
JupyterLab's server through `story-analytics lab` and lists the three runbook notebooks over its REST API
(no browser). Slow (it installs the package and its dependencies); every step has a time limit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from storyanalytics.processes import stop_process
from storyanalytics.runbooks import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SECONDS = 900
START_SECONDS = 90


def _copy_project(destination: Path) -> Path:
    """What `pip install` needs from a clone (the package and its metadata), without local clutter."""
    destination.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(
        ROOT / "storyanalytics",
        destination / "storyanalytics",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return destination


@pytest.fixture(scope="module")
def notebooks_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding only `storyanalytics[notebooks]` (no dev extra, no system packages)."""
    workdir = tmp_path_factory.mktemp("lab")
    project = _copy_project(workdir / "project")
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{project}[notebooks]"],
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


@pytest.fixture(scope="module")
def lab_server(
    notebooks_venv: Path, e2e_support: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`story-analytics lab --no-browser` from the fresh virtualenv on notebooks/; yields its base URL."""
    port = e2e_support.free_port()
    home = tmp_path_factory.mktemp("home")  # no kernels or settings from this machine's user
    env = {
        "PATH": f"{notebooks_venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "JUPYTER_TOKEN": "lab-test-token",
        "LANG": "C.UTF-8",
    }
    log = (home / "lab.log").open("wb")
    command = [
        str(notebooks_venv / "bin" / "story-analytics"),
        "lab",
        "--no-browser",
        "--port",
        str(port),
        "--notebooks-dir",
        str(ROOT / "notebooks"),
    ]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited early:\n{(home / 'lab.log').read_text()[-3000:]}", pytrace=False
                )
            try:
                if httpx.get(f"{base}/api/status", params={"token": "lab-test-token"}, timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(
                f"JupyterLab did not answer:\n{(home / 'lab.log').read_text()[-3000:]}", pytrace=False
            )
        yield base
    finally:
        stop_process(proc, timeout=20)
        log.close()


@pytest.mark.slow
def test_fresh_notebooks_extra_serves_the_three_runbooks(lab_server: str) -> None:
    listing = httpx.get(f"{lab_server}/api/contents", params={"token": "lab-test-token"}, timeout=10).json()
    names = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
    assert set(NOTEBOOKS.values()) <= names


@pytest.mark.slow
def test_fresh_notebooks_extra_runs_them_on_its_own_python(lab_server: str, notebooks_venv: Path) -> None:
    specs = httpx.get(f"{lab_server}/api/kernelspecs", params={"token": "lab-test-token"}, timeout=10).json()
    default = specs["kernelspecs"][specs["default"]]["spec"]
    argv0 = default["argv"][0]
    assert argv0 in {"python", "python3"} or Path(argv0).resolve().is_relative_to(notebooks_venv.resolve())


def test_lab_without_jupyterlab_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from storyanalytics.runbooks import NotebookError
    from storyanalytics.runbooks.lab import lab_command

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "jupyterlab" else real(name)
    )
    with pytest.raises(NotebookError, match=r"pip install 'storyanalytics\[notebooks\]'"):
        lab_command()


def test_lab_outside_the_project_asks_for_the_notebooks_folder(tmp_path: Path) -> None:
    from storyanalytics.runbooks import NotebookError
    from storyanalytics.runbooks.lab import lab_command

    with pytest.raises(NotebookError, match="--notebooks-dir"):
        lab_command(tmp_path)


def test_lab_opens_notebooks_with_this_pythons_kernel() -> None:
    from storyanalytics.runbooks.lab import lab_command

    command = lab_command(open_browser=False)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in command
    assert any(part.startswith("--MappingKernelManager.default_kernel_name=") for part in command)
