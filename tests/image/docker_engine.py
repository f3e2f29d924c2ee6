"""The Docker engine as the image tests and bench/image.py use it: find or start one, build, run, observe.

Builds use the classic builder (DOCKER_BUILDKIT=0): the Dockerfile's `# syntax=docker/dockerfile:1` line
makes BuildKit fetch its frontend image from Docker Hub, which cannot be reached here, while the classic
builder reads the line as a comment and uses the local (stand-in) bases. Builds use the host's network
(`--network host`) so pip and npm reach their registries without a Docker bridge.

The engine is shared: a build removes only what it made itself (`Built.remove`). The classic builder
leaves each earlier stage's result (the web stage: ~450 MB) as an untagged image, which no tag removal
reaches; the build's own log says which of those it made rather than found in the cache.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netns_relay import NetnsRelay, RelayError

REPO = Path(__file__).resolve().parents[2]
START_SCRIPT = Path(__file__).with_name("start_dockerd.sh")
CLASSIC_BUILDER = {"DOCKER_BUILDKIT": "0"}
# Docker's HEALTHCHECK runs every 30 s as the Dockerfile says; tests override the interval at run time.
HEALTH_FLAGS = (
    "--health-interval=1s",
    "--health-timeout=5s",
    "--health-start-period=30s",
    "--health-retries=3",
)


class EngineError(RuntimeError):
    """A Docker command failed; the message carries the end of its output."""


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise EngineError(f"docker {args[0]} failed: {(result.stderr or result.stdout).strip()[-2000:]}")
    return result


def engine_unavailable() -> str | None:
    """None when an engine answers (started here with start_dockerd.sh when it can); else why not."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (apt-get install docker.io, or install Docker)"
    if docker("info", check=False).returncode == 0:
        return None
    if os.geteuid() == 0 and shutil.which("dockerd"):
        started = subprocess.run(["bash", str(START_SCRIPT)], capture_output=True, text=True, check=False)
        if started.returncode == 0:
            return None
        return f"no Docker engine answers and dockerd did not start: {started.stderr.strip()[-300:]}"
    return "no Docker engine answers (docker info) and none can be started here (needs root and dockerd)"


def clean_copy(destination: Path) -> Path:
    """The repository as a fresh clone would have it (tracked and new files, nothing git ignores)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        source, target = REPO / name, destination / name
        if not source.is_symlink() and not source.is_file():
            continue  # deleted in the work tree, not yet in git
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return destination


@dataclass(frozen=True)
class Built:
    """An image this process built: its tag, how long the build took, and the untagged images of the
    earlier stages that this build made (not found in the cache), which only their IDs can remove."""

    tag: str
    seconds: float
    stage_images: tuple[str, ...]

    def remove(self) -> None:
        """The tag, with the untagged layers under it, then the earlier stages' images this build made.
        What others still use stays: the engine refuses to remove an image a container or tag holds."""
        docker("rmi", self.tag, check=False)
        for image in self.stage_images:
            docker("rmi", image, check=False)


_STEP = re.compile(r"^Step \d+/\d+ : (\S+)")
_RESULT = re.compile(r"^ ---> ([0-9a-f]{12,64})\s*$")


def stage_images_made(log: str, *, tagged: bool = True) -> tuple[str, ...]:
    """From a classic-builder log: where each stage ended (its last step's image) when that step really ran
    in this build (` ---> Using cache` means the image was already there, perhaps another build's).
    The last stage is left out when the build `tagged` it: removing the tag removes it."""
    made: list[str] = []
    instruction, cached, result = "", False, None

    def stage_ended() -> None:
        if result and instruction.upper() != "FROM" and not cached:
            made.append(result)

    for line in log.splitlines():
        step = _STEP.match(line)
        if step:
            if step.group(1).upper() == "FROM":
                stage_ended()
            instruction, cached, result = step.group(1), False, None
        elif line.strip() == "---> Using cache":
            cached = True
        elif match := _RESULT.match(line):
            result = match.group(1)
    if not tagged:
        stage_ended()
    return tuple(made)


def build(context: Path, tag: str, log: Path, *, no_cache: bool = False) -> Built:
    """`docker build` of the context's own Dockerfile; the caller removes it with `Built.remove()`."""
    # --force-rm: a failed step's container goes too (the classic builder keeps it by default).
    args = ["docker", "build", "--network", "host", "--force-rm", "--tag", tag]
    args += [*(["--no-cache"] if no_cache else []), "."]
    started = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run(
            args,
            cwd=context,
            env={**os.environ, **CLASSIC_BUILDER},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=1800,
            check=False,
        )
    seconds = time.perf_counter() - started
    ok = result.returncode == 0
    made = Built(tag, seconds, stage_images_made(log.read_text(errors="replace"), tagged=ok))
    if not ok:
        made.remove()  # a failed build's earlier stages are as much ours as a good one's
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise EngineError(
            f"docker build of {tag} failed (exit {result.returncode}); the end of its log:\n{tail}"
        )
    return made


def image_size(image: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", image).stdout)


def exposed_port(image: str) -> int:
    """The port the image says it serves on (its EXPOSE)."""
    ports = docker(
        "image", "inspect", "--format", "{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}", image
    )
    first = ports.stdout.split()[0]
    return int(first.split("/")[0])


@dataclass
class Container:
    """A running container in a network namespace of its own, reachable at `url` from here."""

    name: str
    holder: str
    relay: NetnsRelay
    url: str
    started: float  # perf_counter() just before `docker run`

    def logs(self) -> str:
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def health(self) -> str:
        return docker(
            "inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", self.name
        ).stdout.strip()

    def running(self) -> bool:
        return docker("inspect", "--format", "{{.State.Running}}", self.name).stdout.strip() == "true"

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return docker("exec", self.name, *command, check=False)


def _is_holder(pid: int, wait_s: float = 10) -> bool:
    """The engine's pid is the holder's `sleep infinity` on this kernel (not a VM's, as Docker Desktop's).
    Just after `docker run` returns the process may still be runc's init, not yet `sleep`: so it waits."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\0infinity\0":
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


@contextmanager
def running(
    image: str, env: dict[str, str], *, host_ports: tuple[int, ...] = (), quick_health: bool = True
) -> Iterator[Container]:
    """Runs the image's own CMD with `env`; host_ports are reachable inside at the same 127.0.0.1 ports.
    quick_health runs Docker's health check every second (HEALTH_FLAGS); without it, the image's own
    schedule applies, as in production (each check starts a Python process, which a timed start would
    otherwise share its CPU with).

    The environment goes in through an --env-file (mode 0600, deleted once the container exists), so
    secret values are passed as environment values without showing on any command line.
    """
    name = f"sa-image-test-{secrets.token_hex(4)}"
    holder = f"{name}-netns"
    docker(
        "run", "--detach", "--name", holder, "--network", "none", "--entrypoint", "sleep", image, "infinity"
    )
    relay: NetnsRelay | None = None
    try:
        pid = int(docker("inspect", "--format", "{{.State.Pid}}", holder).stdout)
        if not _is_holder(pid):
            raise RelayError(f"pid {pid} is not the holder container here: the engine runs on another kernel")
        relay = NetnsRelay(pid)
        for port in host_ports:
            relay.bring_in(port)
        url = f"http://127.0.0.1:{relay.expose(exposed_port(image))}"
        with tempfile.TemporaryDirectory() as folder:
            env_file = Path(folder) / "env"
            env_file.touch(mode=0o600)
            env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()), encoding="utf-8")
            started = time.perf_counter()
            docker(
                "run",
                "--detach",
                "--name",
                name,
                "--network",
                f"container:{holder}",
                "--env-file",
                str(env_file),
                *(HEALTH_FLAGS if quick_health else ()),
                image,
            )
        yield Container(name=name, holder=holder, relay=relay, url=url, started=started)
    finally:
        docker("rm", "--force", name, check=False)
        docker("rm", "--force", holder, check=False)
        if relay is not None:
            relay.close()
