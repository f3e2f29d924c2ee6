"""Slims the installed packages inside the production image (run once by the Dockerfile, never by the app).

Why: the image must stay under 200 MB above its base (bench/image.py). Two things the app never reads are
removed, and nothing it imports, so no feature and no start is slower:
- botocore's API models for the ~440 AWS services other than those the code in the image calls (see
  KEPT_SERVICES), and their entries in its endpoints file, which botocore parses whole for the first client
  of every start (1.2 MB: ~15-25 ms of CPU); its partitions and default-configuration files stay
  (tests/image/test_image_slim.py proves the list covers every client and the kept endpoints resolve alike);
- the documentation text inside the kept models (S3's: 1.4 MB of JSON, 85% of it prose, parsed by every
  start's S3 client: ~9 ms of CPU), which only botocore's generated docstrings read;
- the bytecode (packages' and the standard library's) of modules the app never loads, found by loading the
  server, every app module and a local-mode start (the interpreter compiles a module if it is imported);
- the debugging information some wheels ship in their compiled modules (uvloop 13.6 MB -> ~2 MB,
  SQLAlchemy's and fontTools' Cython modules), when `strip` is there (the Dockerfile installs binutils
  for this step only). Symbols stay (--strip-debug), and modules that load a library vendored by
  auditwheel (an $ORIGIN run path, which patchelf wrote) are left alone: strip can break those;
- the C and Cython sources some wheels ship beside their compiled modules (fontTools' 6 MB of .c), read
  only to compile extensions, never at run time;
- the installed packages only code outside the image imports (see UNUSED_PACKAGES), uninstalled with pip.

    python -m storyanalytics.image_slim
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

# AWS services whose botocore models stay: the clients of the code in the image (storage/s3.py; the
# migrate package, which the admin import route loads: secretsmanager, cloudformation) and those botocore's
# own credential chain creates (assume-role / web identity: sts; SSO profiles: sso, sso-oidc).
KEPT_SERVICES = frozenset({"s3", "secretsmanager", "cloudformation", "sts", "sso", "sso-oidc"})
# storyanalytics subpackages that run on the user's machine or in a Lambda of their own, never in the image.
NOT_IN_IMAGE = ("deploy", "checks", "rehearsal", "runbooks", "cli", "image_slim", "publish.invalidate")
# Distributions only code outside the image imports: email-validator (and its dnspython) checks the admin
# email of `story-analytics deploy` (deploy/aws_deployment.py). In the image nothing needs it, yet FastAPI
# imports it at every start when it is installed (fastapi/openapi/models.py, for an OpenAPI field the app
# never sets): ~13 ms of CPU per start, most of it compiling its regular expressions.
UNUSED_PACKAGES = ("email-validator", "dnspython")
# Their import names, which no module of the image may import (tests/image/test_image_slim.py).
UNUSED_MODULES = ("email_validator", "dns")
# What uvicorn loads for the Dockerfile's CMD (uvloop and httptools, picked by their "auto" modules; no
# WebSockets).
SERVER_MODULES = (
    "uvicorn.main",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.lifespan.on",
)
# What cloud mode's start loads beyond local mode's (its migrations run on PostgreSQL).
CLOUD_MODULES = ("psycopg2", "sqlalchemy.dialects.postgresql.psycopg2", "alembic.ddl.postgresql")


def site_packages() -> Path:
    return Path(sysconfig.get_path("purelib"))


def stdlib() -> Path:
    return Path(sysconfig.get_path("stdlib"))


def prune_botocore_models(root: Path) -> int:
    """Remove the model folders of services not in KEPT_SERVICES; return the bytes freed."""
    freed = 0
    for folder in (root / "botocore" / "data", root / "boto3" / "data"):
        if not folder.is_dir():
            continue
        for service in folder.iterdir():
            if service.is_dir() and service.name not in KEPT_SERVICES:
                freed += tree_size(service)
                shutil.rmtree(service)
    return freed


def prune_endpoints(root: Path) -> int:
    """Keep only KEPT_SERVICES' entries in each partition of botocore's endpoints.json (the partitions'
    defaults and regions stay); return the bytes freed. botocore's EndpointResolver looks a service up in its
    partition's `services` and resolves one that is absent from the partition's defaults, so the kept
    services resolve exactly as before: boto/botocore botocore/regions.py (EndpointResolver)."""
    path = root / "botocore" / "data" / "endpoints.json"
    if not path.is_file():
        return 0
    before = path.stat().st_size
    endpoints = json.loads(path.read_text(encoding="utf-8"))
    for partition in endpoints["partitions"]:
        services = partition["services"]
        partition["services"] = {name: services[name] for name in sorted(KEPT_SERVICES & services.keys())}
    path.write_text(json.dumps(endpoints, separators=(",", ":")), encoding="utf-8")
    return before - path.stat().st_size


def strip_model_documentation(model: dict[str, Any]) -> None:
    """Remove the prose of a botocore service model: the `documentation` of the service, its operations,
    shapes and shape members. botocore reads it only through the `documentation` properties of its
    models, which default to "" (boto/botocore botocore/model.py) and feed the generated docstrings."""
    model.pop("documentation", None)
    for operation in model.get("operations", {}).values():
        operation.pop("documentation", None)
    for shape in model.get("shapes", {}).values():
        shape.pop("documentation", None)
        for member in shape.get("members", {}).values():
            member.pop("documentation", None)


def strip_kept_models_documentation(root: Path) -> int:
    """strip_model_documentation on every service-2 model left (KEPT_SERVICES); return the bytes freed."""
    freed = 0
    for path in sorted((root / "botocore" / "data").glob("*/*/service-2.json*")):
        if path.suffix not in (".json", ".gz"):
            continue
        zipped = path.suffix == ".gz"
        before = path.stat().st_size
        model = json.loads(gzip.decompress(path.read_bytes()) if zipped else path.read_bytes())
        strip_model_documentation(model)
        text = json.dumps(model, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(text) if zipped else text)
        freed += before - path.stat().st_size
    return freed


def image_modules() -> list[str]:
    """The storyanalytics modules that run inside the image."""
    import storyanalytics

    return [
        info.name
        for info in pkgutil.walk_packages(storyanalytics.__path__, "storyanalytics.")
        if not any(info.name.startswith(f"storyanalytics.{part}") for part in NOT_IN_IMAGE)
    ]


def load_what_the_image_runs() -> set[Path]:
    """Import the server and the app's modules, start the app once in local mode (its migrations on a
    throwaway SQLite database), load cloud mode's database dialect and S3 client; return the files loaded."""
    for name in (*SERVER_MODULES, *image_modules(), *CLOUD_MODULES):
        importlib.import_module(name)
    import asyncio

    import boto3
    from sqlalchemy import create_engine
    from uvicorn.config import Config
    from uvicorn.lifespan.on import LifespanOn

    from storyanalytics.api.app import app_from_environment

    app = app_from_environment()

    async def start_and_stop() -> None:
        # Through the app's ASGI lifespan, as uvicorn starts it: FastAPI loads modules of its own there.
        lifespan = LifespanOn(Config(app, lifespan="on", ws="none"))
        await lifespan.startup()
        if lifespan.should_exit:
            raise RuntimeError("image_slim: the app did not start; its error is logged above")
        # Every route analysed, as its first request would (storyanalytics/api/lazy_route.py): what
        # that loads (FastAPI's pydantic.v1 check, the OpenAPI models) is part of every start's health.
        app.openapi()
        await lifespan.shutdown()

    asyncio.run(start_and_stop())
    create_engine("postgresql+psycopg2://image-slim@127.0.0.1/none").dispose()  # loads the dialect only
    boto3.session.Session(region_name="us-east-1").client("s3")  # loads botocore's lazily read modules
    files = (getattr(module, "__file__", None) for module in list(sys.modules.values()))
    return {Path(file).resolve() for file in files if file}


def prune_unloaded_bytecode(root: Path, loaded: set[Path]) -> int:
    """Remove the .pyc of every module under `root` not in `loaded`; return the bytes freed."""
    freed = 0
    for cache in root.rglob("__pycache__"):
        if cache.relative_to(root).parts[0] in ("storyanalytics", site_packages().name):
            continue  # the app's own bytecode all stays (its migrations are loaded from files)
        for pyc in cache.glob("*.pyc"):
            source = (cache.parent / f"{pyc.name.split('.')[0]}.py").resolve()
            if source not in loaded:
                freed += pyc.stat().st_size
                pyc.unlink()
    return freed


def strip_debug_info(root: Path) -> int:
    """Remove the debugging sections of compiled modules (see the module's docstring); return bytes freed."""
    strip = shutil.which("strip")
    if strip is None:
        print("image_slim: no `strip` here, compiled modules keep their debugging information")
        return 0
    freed = 0
    for module in root.rglob("*.so"):
        if ".libs" in module.parent.name or b"$ORIGIN" in module.read_bytes():
            continue
        before = module.stat().st_size
        subprocess.run([strip, "--strip-debug", str(module)], check=True)
        freed += before - module.stat().st_size
    return freed


BUILD_SOURCES = ("*.c", "*.h", "*.pyx", "*.pxd", "*.pxi")


def remove_build_sources(root: Path) -> int:
    """Remove the C and Cython sources of compiled modules; return the bytes freed."""
    freed = 0
    for pattern in BUILD_SOURCES:
        for source in root.rglob(pattern):
            freed += source.stat().st_size
            source.unlink()
    return freed


def uninstall_unused_packages() -> None:
    """pip uninstall of UNUSED_PACKAGES (their files and their metadata both go)."""
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", *UNUSED_PACKAGES], check=True)


def tree_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="storyanalytics-image-slim-")
    os.environ["DATA_DIR"] = data_dir  # local mode's start writes its database here, removed below
    root = site_packages()
    uninstall_unused_packages()  # before loading what the image runs: an import of them would fail there
    models = prune_botocore_models(root) + prune_endpoints(root) + strip_kept_models_documentation(root)
    debug = strip_debug_info(root)
    sources = remove_build_sources(root)
    loaded = load_what_the_image_runs()
    # Also the standard library's bytecode that the Dockerfile's compileall wrote for modules never loaded.
    bytecode = sum(prune_unloaded_bytecode(folder, loaded) for folder in (root, stdlib()))
    print(
        f"image_slim: freed botocore models and endpoints {models / 1e6:.0f} MB,"
        f" debug sections {debug / 1e6:.0f} MB, C/Cython sources {sources / 1e6:.0f} MB,"
        f" unused bytecode {bytecode / 1e6:.0f} MB"
    )
    shutil.rmtree(data_dir)


if __name__ == "__main__":
    main()
