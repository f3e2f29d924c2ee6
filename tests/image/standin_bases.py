"""Stand-ins for the base images the Dockerfile names, made here because no image registry is reachable.

    python tests/image/standin_bases.py [Dockerfile]

Each FROM base is imported under its exact name from a Debian bookworm root made with `debootstrap
--variant=minbase` (Python 3.11 from Debian with `python`/`pip` links; for Node bases this machine's Node
and npm copied in). Each image a `COPY --from=` names gets an image of the same name holding a labelled
placeholder at every copied path. All are labelled as stand-ins, trust the system's certificate bundle
(pip and npm inside builds reach their registries through this machine's network), and carry a digest of
their inputs: an image whose label matches is kept, so the stand-ins are made once per recipe.

Differences from the real images worth knowing: Debian's python3 is at /usr/bin (linked from /usr/local/bin),
and Debian marks it "externally managed" (PEP 668), so the stand-in sets PIP_BREAK_SYSTEM_PACKAGES=1 in
its own environment; the Dockerfile is never changed for them. Like the real Python images, the stand-in
carries no bytecode (.pyc) for the interpreter's library: the official image deletes it after building
Python, and a start that must compile the standard library is ~0.35 s slower, which bench/image.py would
otherwise not see.

A stand-in made again (its recipe changed) replaces the old one under the same name; the old image, now
untagged, is removed by its ID.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dockerfile_refs import external_images

STANDIN_LABEL = "org.storyanalytics.standin"
INPUTS_LABEL = "org.storyanalytics.standin.inputs"
SUITE = "bookworm"
PACKAGES = ("python3", "python3-pip", "python3-venv", "ca-certificates")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
LOCAL_AUTHORITIES = "/usr/local/share/ca-certificates"
ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "SSL_CERT_FILE": CA_BUNDLE,
    "PIP_CERT": CA_BUNDLE,
    "NODE_EXTRA_CA_CERTS": CA_BUNDLE,
    "PIP_BREAK_SYSTEM_PACKAGES": "1",
}
PLACEHOLDER = (
    "#!/bin/sh\n# STAND-IN placeholder for {path} from {image}, made by tests/image/standin_bases.py.\n"
    'echo "stand-in placeholder for {path} of {image}: not the real file" >&2\nexit 1\n'
)


class StandinError(RuntimeError):
    """A stand-in cannot be made here; the message says why and what to do."""


def kind_of(image: str) -> str:
    """Which recipe stands in for a base image: by its repository's last name (python:3.11-slim -> python)."""
    repository = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    if repository in {"python", "node"}:
        return repository
    raise StandinError(
        f"no stand-in recipe for the base image {image!r}: add one to tests/image/standin_bases.py"
    )


def _node_tools() -> tuple[Path, Path]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise StandinError("node and npm are not installed here: the Node stand-in copies them in")
    npm_package = Path(npm).resolve().parents[1]  # .../node_modules/npm/bin/npm-cli.js -> .../npm
    return Path(node).resolve(), npm_package


def _version(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def inputs_digest(image: str, kind: str, extra: object = None) -> str:
    """Everything a stand-in is made from: a change to any of it makes a new one."""
    recipe: dict[str, object] = {"image": image, "kind": kind, "extra": extra}
    if kind != "placeholder":
        recipe.update(suite=SUITE, packages=PACKAGES, env=ENV)
        recipe["authorities"] = hashlib.sha256(Path(CA_BUNDLE).read_bytes()).hexdigest()
    if kind == "node":
        node, _ = _node_tools()
        recipe["node"] = _version([str(node), "--version"])
        recipe["npm"] = _version(["npm", "--version"])
    recipe["script"] = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:32]


def _inspect(image: str, template: str) -> str | None:
    command = ["docker", "image", "inspect", "--format", template, image]
    found = subprocess.run(command, capture_output=True, text=True, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def current_digest(image: str) -> str | None:
    """The inputs label of a local image by that name (None when there is no such image)."""
    return _inspect(image, f'{{{{ index .Config.Labels "{INPUTS_LABEL}" }}}}')


def remove_replaced(old_id: str | None, image: str) -> None:
    """The stand-in that `image` named before it was made again, by ID, if it is a stand-in and no longer
    named (the engine keeps it while a container or another build still uses it)."""
    if not old_id or _inspect(old_id, f'{{{{ index .Config.Labels "{STANDIN_LABEL}" }}}}') != "true":
        return
    if _inspect(image, "{{.Id}}") != old_id and not _inspect(old_id, '{{join .RepoTags ","}}'):
        subprocess.run(["docker", "rmi", old_id], capture_output=True, check=False)


def debootstrap(root: Path, log: Path) -> None:
    if shutil.which("debootstrap") is None:
        raise StandinError("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise StandinError("debootstrap needs root to make the stand-in base images")
    command = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root)]
    with log.open("wb") as out:
        made = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if made.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-5:]
        raise StandinError(f"debootstrap failed (exit {made.returncode}): {' | '.join(tail)}")
    shutil.rmtree(root / "var" / "lib" / "apt" / "lists", ignore_errors=True)
    shutil.rmtree(root / "var" / "cache" / "apt" / "archives", ignore_errors=True)
    drop_bytecode(root)
    local_bin = root / "usr" / "local" / "bin"
    local_bin.mkdir(parents=True, exist_ok=True)
    for name, target in {"python": "/usr/bin/python3", "pip": "/usr/bin/pip3"}.items():
        (local_bin / name).symlink_to(target)
    trust_host_authorities(root)


def drop_bytecode(root: Path) -> None:
    """No .pyc for the interpreter's library, as in the official images, whose build ends with
    `find /usr/local ... -name '*.pyc' ... -exec rm -rf '{}' +`
    (github.com/docker-library/python, 3.11/slim-bookworm/Dockerfile)."""
    for library in (root / "usr" / "lib").glob("python3*"):
        for cache in sorted(library.rglob("__pycache__"), reverse=True):
            shutil.rmtree(cache, ignore_errors=True)


def trust_host_authorities(root: Path) -> None:
    """This machine's certificate bundle and local authorities, so TLS inside builds trusts what it trusts."""
    shutil.copy2(CA_BUNDLE, root / CA_BUNDLE.lstrip("/"))
    local_authorities = Path(LOCAL_AUTHORITIES)
    if local_authorities.is_dir():
        shutil.copytree(local_authorities, root / LOCAL_AUTHORITIES.lstrip("/"), dirs_exist_ok=True)


def add_node(root: Path) -> None:
    """This machine's Node and npm, laid out as in the official node images (/usr/local)."""
    node, npm_package = _node_tools()
    local = root / "usr" / "local"
    shutil.copy2(node, local / "bin" / "node")
    shutil.copytree(npm_package, local / "lib" / "node_modules" / "npm", symlinks=True)
    for tool in ("npm", "npx"):
        (local / "bin" / tool).symlink_to(f"../lib/node_modules/npm/bin/{tool}-cli.js")


def docker_import(root: Path, image: str, digest: str, kind: str, cmd: list[str]) -> None:
    description = f"STAND-IN for {image} ({kind}), made by tests/image/standin_bases.py; not the real image"
    changes = (
        [f"ENV {key}={json.dumps(value)}" for key, value in ENV.items()] if kind != "placeholder" else []
    )
    changes += [
        f'LABEL {STANDIN_LABEL}="true"',
        f"LABEL {INPUTS_LABEL}={json.dumps(digest)}",
        f"LABEL org.opencontainers.image.description={json.dumps(description)}",
        f"CMD {json.dumps(cmd)}",
    ]
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    args = ["docker", "import", *[arg for change in changes for arg in ("--change", change)], "-", image]
    imported = subprocess.run(args, stdin=tar.stdout, capture_output=True, text=True, check=False)
    assert tar.stdout is not None
    tar.stdout.close()
    if tar.wait() != 0 or imported.returncode != 0:
        raise StandinError(f"docker import of the stand-in {image} failed: {imported.stderr.strip()}")


def ensure_standins(dockerfile: Path, say: Callable[[str], None] = print) -> list[str]:
    """Makes the stand-ins the Dockerfile needs that are missing or stale; returns the names made."""
    refs = external_images(dockerfile)
    wanted = {image: (kind_of(image), None) for image in refs.bases}
    wanted.update({image: ("placeholder", paths) for image, paths in refs.copied_from.items()})
    stale = {}
    for image, (kind, paths) in wanted.items():
        digest = inputs_digest(image, kind, paths)
        if current_digest(image) != digest:
            stale[image] = (kind, paths, digest)
    if not stale:
        return []
    with tempfile.TemporaryDirectory(prefix="standin-", dir="/var/tmp") as work:
        base = Path(work) / "rootfs"
        if any(kind != "placeholder" for kind, _, _ in stale.values()):
            say(f"stand-in bases: debootstrap {SUITE} (about a minute)...")
            debootstrap(base, Path(work) / "debootstrap.log")
        for image, (kind, paths, digest) in sorted(stale.items(), key=lambda item: item[1][0] == "node"):
            say(f"stand-in bases: {image} ({kind})")
            old_id = _inspect(image, "{{.Id}}")
            if kind == "python":
                docker_import(base, image, digest, kind, ["python3"])
            elif kind == "node":
                if not (base / "usr" / "local" / "bin" / "node").exists():
                    add_node(base)
                docker_import(base, image, digest, kind, ["node"])
            else:
                placeholder = Path(work) / f"placeholder-{digest}"
                for path in paths or ():
                    target = placeholder / path.lstrip("/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(PLACEHOLDER.format(path=path, image=image), encoding="utf-8")
                    target.chmod(0o755)
                docker_import(placeholder, image, digest, kind, ["/bin/false"])
            remove_replaced(old_id, image)
    return sorted(stale)


def main(argv: list[str]) -> int:
    dockerfile = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "Dockerfile"
    try:
        made = ensure_standins(dockerfile)
    except StandinError as exc:
        print(f"stand-in bases: {exc}", file=sys.stderr)
        return 1
    print("stand-in bases: made " + ", ".join(made) if made else "stand-in bases: all up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
