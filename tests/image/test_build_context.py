"""The Docker build context: what `.dockerignore` lets into the image build and what it keeps out.

The image itself is built and run for real in test_image_serves.py; these fast checks say which files a
build sends (no local data, virtualenvs, secrets or tests) without needing an engine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERIGNORE = ROOT / ".dockerignore"


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


def test_dockerignore_patterns_match_folders_and_double_star_like_docker() -> None:
    assert _dockerignore_match("web/**/*.test.js", "web/src/a/b.test.js")
    assert _dockerignore_match("**/__pycache__", "x/y/__pycache__/z.pyc")
    assert _dockerignore_match("web/dist", "web/dist/assets/a.js")
    assert not _dockerignore_match("web/dist", "web/distinct.js")
