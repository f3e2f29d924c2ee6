"""The Vitest suite of the chart renderers (jsdom), run through npm so `invoke test` covers it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from e2e_support import WEB, ensure_node_modules


@pytest.mark.node
@pytest.mark.skipif(shutil.which("npm") is None, reason="node/npm is missing")
def test_vitest_renderer_unit_tests_pass() -> None:
    ensure_node_modules()
    result = subprocess.run(["npm", "test", "--silent"], cwd=WEB, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
