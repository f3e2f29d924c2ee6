"""A writer killed with SIGKILL at random moments leaves every file whole and `list` free of temp files."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from storyanalytics.storage import LocalStorageBackend
from storyanalytics.storage.base import TEMP_MARKER

pytestmark = pytest.mark.anyio

KILLS = 30
KEYS = ["crash/a.bin", "crash/b.bin", "crash/c.bin", "crash/deep/d.bin", "top.bin"]
MAGIC = b"SA-CRASH-1"

# A zygote imports the library once, then forks one writer per round, so each round costs a fork, not an
# interpreter start. Each payload checks itself: magic, body length, SHA-256 of the body, body.
ZYGOTE = textwrap.dedent(
    """
    import asyncio, hashlib, os, random, sys
    from storyanalytics.storage import LocalStorageBackend

    base, keys, magic = sys.argv[1], sys.argv[2].split(","), sys.argv[3].encode()

    async def write_forever(seed):
        backend = LocalStorageBackend(base)
        rng = random.Random(seed)
        while True:
            key = rng.choice(keys)
            body = rng.randbytes(rng.randrange(0, 256 * 1024))
            header = magic + len(body).to_bytes(8, "big") + hashlib.sha256(body).digest()
            await backend.write(key, header + body)

    for round_number, line in enumerate(sys.stdin):
        pid = os.fork()
        if pid == 0:
            asyncio.run(write_forever(round_number))
            os._exit(0)
        print(pid, flush=True)
        os.waitpid(pid, 0)
    """
)


def is_whole(payload: bytes) -> bool:
    header_size = len(MAGIC) + 8 + 32
    if len(payload) < header_size or not payload.startswith(MAGIC):
        return False
    length = int.from_bytes(payload[len(MAGIC) : len(MAGIC) + 8], "big")
    digest = payload[len(MAGIC) + 8 : header_size]
    body = payload[header_size:]
    return len(body) == length and hashlib.sha256(body).digest() == digest


def test_self_checking_payload_detects_a_torn_write() -> None:
    body = b"x" * 100
    payload = MAGIC + len(body).to_bytes(8, "big") + hashlib.sha256(body).digest() + body
    assert is_whole(payload)
    assert not is_whole(payload[:-1])
    assert not is_whole(payload[:-1] + b"y")


async def test_sigkilled_writer_leaves_only_whole_files(tmp_path: Path) -> None:
    base = tmp_path / "data"
    rng = random.Random(2024)
    zygote = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(base), ",".join(KEYS), MAGIC.decode()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert zygote.stdin and zygote.stdout
    try:
        for _ in range(KILLS):
            zygote.stdin.write("fork\n")
            zygote.stdin.flush()
            writer = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0.01, 0.12))
            os.kill(writer, signal.SIGKILL)
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
    assert zygote.returncode == 0

    backend = LocalStorageBackend(base)
    listed = await backend.list()
    assert listed and set(listed) <= set(KEYS)
    for key in listed:
        assert is_whole(await backend.read(key)), f"{key} holds a mix of two versions"
    leftovers = [path for path in base.rglob("*") if path.name.startswith(TEMP_MARKER)]
    assert leftovers, "no kill landed inside a write; the test did not exercise a crash mid-write"
