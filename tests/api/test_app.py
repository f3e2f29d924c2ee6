"""The module-level app for `uvicorn storyanalytics.api.app:app`, and start-up in each mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from apiclient import Api


def run_python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_module_app_is_built_from_the_environment(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data")}
    result = run_python("from storyanalytics.api.app import app; print(type(app).__name__)", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FastAPI"


def test_module_app_with_bad_environment_gives_one_sentence(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "APP_MODE": "cloud", "JWT_SECRET": "changeme"}
    result = run_python("from storyanalytics.api.app import app", env, tmp_path)
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_local_mode_creates_the_local_user_once(local_api: Api, start_api) -> None:  # type: ignore[no-untyped-def]
    first = local_api.client.get("/api/auth/me").json()["id"]
    again = start_api(local_api.settings, "local")
    assert again.client.get("/api/auth/me").json()["id"] == first
    assert len(again.get("/api/users").json()) == 1


def test_production_entry_starts_with_collection_paused_then_resumes_it(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path / "data")}
    code = (
        "import gc; from storyanalytics.asgi import app; from fastapi.testclient import TestClient\n"
        "paused = not gc.isenabled()\n"
        "with TestClient(app) as client: status = client.get('/api/health').status_code\n"
        "print(paused, status, gc.isenabled(), gc.get_freeze_count() > 0)"
    )
    result = run_python(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "200", "True", "True"]


def test_local_mode_starts_and_answers_without_loading_the_aws_sdk(tmp_path: Path) -> None:
    """A laptop install never talks to AWS: botocore (~100 ms of start CPU) stays unloaded."""
    code = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from storyanalytics.api import create_app\n"
        "from storyanalytics.config import load_settings\n"
        f"app = create_app(load_settings(data_dir={str(tmp_path / 'data')!r}, _env_file=None))\n"
        "with TestClient(app) as client:\n"
        "    assert client.get('/api/charts').status_code == 200\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in {'boto3', 'botocore'}))\n"
    )
    result = run_python(code, {"PATH": "/usr/bin:/bin"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
