"""Package build hook: the built web app ships inside the package (storyanalytics/web_dist).

From a clone, building a wheel or an sdist rebuilds web/dist with npm when its sources changed and
copies it into the package, so `pip install storyanalytics` users and the runtime image never need Node.
Building from an sdist (no web/ folder) uses the copy the sdist already carries. Editable installs skip
the copy: they serve web/dist of the clone directly. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent


def _web_assets() -> ModuleType:
    """storyanalytics/web_assets.py loaded by path: the package's dependencies are not installed yet."""
    spec = importlib.util.spec_from_file_location(
        "_storyanalytics_web_assets", ROOT / "storyanalytics" / "web_assets.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bundle_web_app() -> None:
    assets = _web_assets()
    web = ROOT / "web"
    if not (web / "package.json").is_file():
        return  # an sdist (it carries storyanalytics/web_dist) or a context without the web sources
    dist = assets.build_if_stale(web)  # a WebBuildError stops the build, saying what to install
    assets.copy_into_package(dist, ROOT / "storyanalytics" / "web_dist")


class BuildPyWithWebApp(build_py):
    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            bundle_web_app()
        super().run()


class SdistWithWebApp(sdist):
    def run(self) -> None:
        bundle_web_app()
        super().run()


setup(cmdclass={"build_py": BuildPyWithWebApp, "sdist": SdistWithWebApp})
