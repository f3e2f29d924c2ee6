"""The production image, without a Docker engine: the Dockerfile's promises, then its stages re-enacted.

The slow tests do what the two stages do: build web/ (the e2e helper builds it only when stale), build
the package from a copy of the Docker build context, install it into a fresh virtualenv (no dev extra,
no system site-packages), and start the Dockerfile's exact CMD with the Dockerfile's ENV (paths under
/app mapped into a temp folder; host and port swapped for loopback and a free port).

Installing ~130 dependencies from the network takes minutes, so their wheels are kept in pytest's cache
(.pytest_cache/d/image-wheelhouse) and installed with --no-index; the cache is refilled from the index
only when the dependencies change. The package's own wheel is always built fresh.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
IMAGE_APP_DIR = "/app"
ECR_PUBLIC_LIBRARY = "public.ecr.aws/docker/library/"  # ECR Public's mirror of the Docker official images


# --- A small Dockerfile reader ---------------------------------------------------------------------------
@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for rest in self.args("ENV"):
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


def read_dockerfile(path: Path = DOCKERFILE) -> list[Stage]:
    """Stages with their instructions; comments dropped, backslash continuations joined."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), " ".join(rest.split())
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append((keyword, rest))
    return stages


def exec_form(rest: str) -> list[str]:
    """A JSON-array (exec form) argument, the only form that passes signals straight to the process."""
    value = json.loads(rest)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value), rest
    return value


def healthcheck_command(stage: Stage) -> list[str]:
    (rest,) = stage.args("HEALTHCHECK")
    _, _, command = rest.partition("CMD ")
    return exec_form(command)


def runtime_stage() -> Stage:
    return read_dockerfile()[-1]


# --- .dockerignore, with Docker's rules: patterns in order, later ones win, ! re-includes -------------
def dockerignore_excludes(relative_path: str) -> bool:
    excluded = False
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if _dockerignore_match(pattern, relative_path):
            excluded = not negate
    return excluded


def _dockerignore_match(pattern: str, path: str) -> bool:
    """A pattern matches the path or one of its parent folders (`**` spans folders)."""
    regex = ""
    for part in re.split(r"(\*\*/?|\*|\?)", pattern):
        if part in ("**", "**/"):
            regex += "(?:.*/)?" if part == "**/" else ".*"
        elif part == "*":
            regex += "[^/]*"
        elif part == "?":
            regex += "[^/]"
        else:
            regex += re.escape(part)
    parts = path.split("/")
    return any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1))


# --- Fast checks on the Dockerfile -----------------------------------------------------------------------
def test_image_builds_web_in_node_and_runs_on_slim_python() -> None:
    stages = read_dockerfile()
    assert len(stages) == 2
    web, runtime = stages
    assert web.base == f"{ECR_PUBLIC_LIBRARY}node:20-slim" and web.name
    assert any("npm ci" in rest for rest in web.args("RUN"))
    assert any("npm run build" in rest for rest in web.args("RUN"))
    assert runtime.base == f"{ECR_PUBLIC_LIBRARY}python:3.11-slim"
    copies_from_web = [rest for rest in runtime.args("COPY") if rest.startswith(f"--from={web.name} ")]
    assert copies_from_web == [f"--from={web.name} /web/dist {IMAGE_APP_DIR}/web/dist"]


def test_every_base_image_comes_from_the_ecr_public_mirror_not_docker_hub() -> None:
    bases = [stage.base for stage in read_dockerfile()]
    assert bases and all(base.startswith(ECR_PUBLIC_LIBRARY) for base in bases), bases


def test_image_installs_the_package_without_the_dev_extra() -> None:
    installs = [rest for rest in runtime_stage().args("RUN") if "pip install" in rest]
    assert len(installs) == 1
    assert re.search(r"pip install \.(\s|$)", installs[0])
    assert "[dev]" not in installs[0] and "-e " not in installs[0]


def test_image_points_the_app_at_the_built_web_assets() -> None:
    assert runtime_stage().env()["WEB_DIST_DIR"] == f"{IMAGE_APP_DIR}/web/dist"


def test_image_runs_as_a_non_root_user() -> None:
    users = runtime_stage().args("USER")
    assert users, "no USER: the app would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_image_exposes_port_8000_and_probes_api_health() -> None:
    runtime = runtime_stage()
    assert runtime.args("EXPOSE") == ["8000"]
    probe = healthcheck_command(runtime)
    assert probe[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8000/api/health" in probe[2]
    assert "curl" not in " ".join(probe)


def test_image_command_is_uvicorn_serving_the_api_app_on_port_8000() -> None:
    (cmd,) = runtime_stage().args("CMD")
    assert exec_form(cmd) == ["uvicorn", "storyanalytics.api.app:app", "--host", "0.0.0.0", "--port", "8000"]


def test_image_carries_the_lambda_web_adapter_as_an_extension() -> None:
    runtime = runtime_stage()
    adapter = [rest for rest in runtime.args("COPY") if "aws-lambda-adapter" in rest]
    assert len(adapter) == 1
    source, binary, target = adapter[0].split()
    assert re.fullmatch(r"--from=public\.ecr\.aws/awsguru/aws-lambda-adapter:\d+\.\d+\.\d+", source)
    assert (binary, target) == ("/lambda-adapter", "/opt/extensions/lambda-adapter")


def test_lambda_adapter_forwards_to_uvicorns_port_once_api_health_answers() -> None:
    env = runtime_stage().env()
    (cmd,) = runtime_stage().args("CMD")
    command = exec_form(cmd)
    assert env["AWS_LWA_PORT"] == command[command.index("--port") + 1]
    assert env["AWS_LWA_READINESS_CHECK_PATH"] == "/api/health"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"


@pytest.mark.parametrize(
    "path",
    [
        "data/metadata.db",
        ".venv/bin/python",
        ".venv-checkov/bin/checkov",
        "web/node_modules/react/index.js",
        "web/dist/index.html",
        "tests/conftest.py",
        ".git/HEAD",
        "notebooks/runs/01-deploy.ipynb",
        ".env",
        "storyanalytics/__pycache__/config.cpython-311.pyc",
    ],
)
def test_build_context_leaves_out_local_and_generated_files(path: str) -> None:
    assert dockerignore_excludes(path)


@pytest.mark.parametrize(
    "path", ["pyproject.toml", "storyanalytics/api/app.py", "storyanalytics/cfn/app.yaml", "web/src/main.jsx"]
)
def test_build_context_keeps_what_the_image_needs(path: str) -> None:
    assert not dockerignore_excludes(path)


# --- The stages, re-enacted --------------------------------------------------------------------------
def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    return result  # type: ignore[no-any-return]


def _copy_build_context(destination: Path) -> None:
    """What the runtime stage COPYs, filtered by .dockerignore."""
    destination.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, destination / name)

    def ignored(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).resolve().relative_to(ROOT)
        return {n for n in names if dockerignore_excludes((relative / n).as_posix())}

    shutil.copytree(ROOT / "storyanalytics", destination / "storyanalytics", ignore=ignored)


BUILD_REQUIREMENTS = ["setuptools>=69", "wheel"]  # [build-system] requires in pyproject.toml


def _install_like_the_image(venv: Path, workdir: Path, wheelhouse: Path) -> None:
    """`pip install .` of the build context in a fresh venv, dependencies from the wheel cache."""
    context = workdir / "context"
    _copy_build_context(context)
    made = _run([sys.executable, "-m", "venv", venv])
    assert made.returncode == 0, made.stderr
    pip = [venv / "bin" / "python", "-m", "pip"]
    offline = [*pip, "install", "--no-index", "--no-compile", "--find-links", wheelhouse]

    def install() -> subprocess.CompletedProcess[str]:
        tools = _run([*offline, *BUILD_REQUIREMENTS])
        if tools.returncode != 0:
            return tools
        return _run([*offline, "--no-build-isolation", context])

    if install().returncode != 0:
        # First run, or the dependencies changed: fetch their wheels once, then install offline.
        for args in (BUILD_REQUIREMENTS, ["--no-build-isolation", context]):
            fetched = _run([*pip, "wheel", "-w", wheelhouse, "--find-links", wheelhouse, *args])
            assert fetched.returncode == 0, fetched.stderr[-3000:]
            if args == BUILD_REQUIREMENTS:
                _run([*offline, *BUILD_REQUIREMENTS])
        for own in wheelhouse.glob("storyanalytics-*.whl"):
            own.unlink()  # always built fresh from the context
        installed = install()
        assert installed.returncode == 0, installed.stderr[-3000:]


@pytest.fixture(scope="module")
def image_venv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the package exactly as `pip install .` in the image installs it."""
    workdir = tmp_path_factory.mktemp("image")
    wheelhouse = Path(request.config.cache.mkdir("image-wheelhouse"))
    venv = workdir / "venv"
    _install_like_the_image(venv, workdir, wheelhouse)
    return venv


def _image_path(image_root: Path, value: str) -> str:
    """/app/... inside the image -> the same path under the temp folder standing for the image's /."""
    return str(image_root / value.lstrip("/")) if value.startswith(IMAGE_APP_DIR) else value


def _with_local_port(command: list[str], port: int) -> list[str]:
    swapped = list(command)
    swapped[swapped.index("--host") + 1] = "127.0.0.1"
    swapped[swapped.index("--port") + 1] = str(port)
    return swapped


@pytest.fixture(scope="module")
def image_server(
    image_venv: Path, web_dist: Path, e2e_support: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The Dockerfile's CMD running from the fresh virtualenv; yields (base URL, its environment)."""
    runtime = runtime_stage()
    image_root = tmp_path_factory.mktemp("image-root")
    app_dir = image_root / IMAGE_APP_DIR.lstrip("/")
    shutil.copytree(web_dist, app_dir / "web" / "dist")  # COPY --from=web /web/dist /app/web/dist
    env = {
        "PATH": f"{image_venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(image_root),
        "LANG": "C.UTF-8",
        **{key: _image_path(image_root, value) for key, value in runtime.env().items()},
        # Local mode: SQLite and files under DATA_DIR, as `docker run` without cloud settings would.
        "STORAGE_BACKEND": "local",
        "APP_MODE": "local",
    }
    Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    port = e2e_support.free_port()
    (cmd,) = runtime.args("CMD")
    log_path = image_root / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            _with_local_port(exec_form(cmd), port),
            cwd=app_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"the image's CMD exited early:\n{log_path.read_text()[-3000:]}", pytrace=False)
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail(
                f"the image's CMD never became healthy:\n{log_path.read_text()[-3000:]}", pytrace=False
            )
        yield base, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_installed_package_carries_templates_and_migrations_but_no_dev_tools(image_venv: Path) -> None:
    probe = (
        "import importlib.resources as r, importlib.util as u, json; "
        "root = r.files('storyanalytics'); "
        "print(json.dumps({"
        "'file': __import__('storyanalytics').__file__, "
        "'cfn': [root.joinpath('cfn', n + '.yaml').is_file() for n in ('bootstrap', 'app')], "
        "'migrations': root.joinpath('db', 'migrations', 'env.py').is_file(), "
        "'dev': [m for m in ('pytest', 'ruff', 'mypy', 'hypothesis') if u.find_spec(m)]}))"
    )
    result = _run([image_venv / "bin" / "python", "-c", probe], cwd=image_venv)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert str(image_venv) in found["file"]  # the installed copy, not the checkout
    assert found["cfn"] == [True, True]
    assert found["migrations"] is True
    assert found["dev"] == []


@pytest.mark.slow
def test_image_command_answers_health_from_a_fresh_virtualenv(
    image_server: tuple[str, dict[str, str]],
) -> None:
    base, _ = image_server
    response = httpx.get(f"{base}/api/health", timeout=10)
    assert response.status_code == 200


@pytest.mark.slow
def test_image_command_serves_the_built_web_app_at_the_root(image_server: tuple[str, dict[str, str]]) -> None:
    base, env = image_server
    response = httpx.get(f"{base}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    built_index = (Path(env["WEB_DIST_DIR"]) / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', built_index)
    assert scripts and all(script in response.text for script in scripts)
    asset = httpx.get(f"{base}{scripts[0]}", timeout=10)
    assert asset.status_code == 200


@pytest.mark.slow
def test_image_healthcheck_command_succeeds_against_the_running_app(
    image_server: tuple[str, dict[str, str]],
) -> None:
    base, env = image_server
    port = base.rsplit(":", 1)[1]
    command = healthcheck_command(runtime_stage())
    command[2] = command[2].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    result = _run(command, env=env)
    assert result.returncode == 0, result.stderr


def test_dockerignore_patterns_match_folders_and_double_star_like_docker() -> None:
    assert _dockerignore_match("web/**/*.test.js", "web/src/a/b.test.js")
    assert _dockerignore_match("**/__pycache__", "x/y/__pycache__/z.pyc")
    assert _dockerignore_match("web/dist", "web/dist/assets/a.js")
    assert not _dockerignore_match("web/dist", "web/distinct.js")
