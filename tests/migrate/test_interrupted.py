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

# The child prints one line per unit of progress, so the parent can kill it at a random point of the
# work itself: a wall-clock timer kills more or less often depending on how loaded the machine is.
CHILD = """
import sys
from storyanalytics.migrate import migrate_local_to_cloud

def tell(event):
    if event.kind == "advance":
        print("advance", flush=True)

migrate_local_to_cloud(
    sys.argv[1], sys.argv[2], sys.argv[3], endpoint_url=sys.argv[4], concurrency=8, on_progress=tell
)
"""
KILLS = 6


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_runs_resume_to_an_identical_copy(
    tmp_path: Path, moto_server: str, s3_bucket: str, postgres_url: str
) -> None:
    install = build_local_install(tmp_path / "data", charts=10, filler=600, extra_versions=5_000)
    rng = random.Random(20261125)
    command = [sys.executable, "-c", CHILD, str(install.data_dir), s3_bucket, postgres_url, moto_server]
    kills = 0
    for _ in range(KILLS):
        kill_after = rng.randint(1, 120)
        child = subprocess.Popen(
            command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert child.stdout is not None
        for seen, _line in enumerate(child.stdout, start=1):
            if seen >= kill_after:
                child.send_signal(signal.SIGKILL)
                kills += 1
                break
        child.stdout.close()
        child.wait(timeout=120)

    report = migrate_local_to_cloud(install.data_dir, s3_bucket, postgres_url, endpoint_url=moto_server)

    assert kills == KILLS
    assert report.ok
    assert bucket_files(moto_server, s3_bucket) == local_files(install.data_dir)
    assert database_rows(postgres_url) == database_rows(install.database_url)
