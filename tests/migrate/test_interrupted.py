"""A migration killed at random points, many times, and then resumed ends identical, nothing duplicated."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from migrate_helpers import bucket_files, build_local_install, database_rows, local_files

from storyanalytics.migrate import migrate_local_to_cloud

CHILD = """
import sys
from storyanalytics.migrate import migrate_local_to_cloud
migrate_local_to_cloud(sys.argv[1], sys.argv[2], sys.argv[3], endpoint_url=sys.argv[4], concurrency=8)
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_runs_resume_to_an_identical_copy(
    tmp_path: Path, moto_server: str, s3_bucket: str, postgres_url: str
) -> None:
    install = build_local_install(tmp_path / "data", charts=10, filler=600, extra_versions=5_000)
    rng = random.Random(20261125)
    command = [sys.executable, "-c", CHILD, str(install.data_dir), s3_bucket, postgres_url, moto_server]
    kills = 0
    for _ in range(10):
        child = subprocess.Popen(command, env=os.environ.copy(), stderr=subprocess.DEVNULL)
        try:
            child.wait(timeout=rng.uniform(0.5, 3.0))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
            kills += 1

    report = migrate_local_to_cloud(install.data_dir, s3_bucket, postgres_url, endpoint_url=moto_server)

    assert kills >= 5
    assert report.ok
    assert bucket_files(moto_server, s3_bucket) == local_files(install.data_dir)
    assert database_rows(postgres_url) == database_rows(install.database_url)
