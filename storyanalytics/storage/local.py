"""Files under a folder on disk, written atomically so a crash leaves the old or the new bytes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from pathlib import Path

from storyanalytics.storage.base import (
    TEMP_MARKER,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    validate_key,
    validate_prefix,
)
from storyanalytics.storage.batching import BlockingBatcher


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_whole_file(path: str | Path) -> bytes:
    """Plain os calls, no buffered file object: cheaper for the small files most keys hold.

    Files are only ever replaced by rename, never changed in place, so the size seen by fstat is final.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)  # one more byte than expected, to see the end in one call
        return data if len(data) == size else data + _read_rest(fd)
    finally:
        os.close(fd)


def _read_rest(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)


class LocalStorageBackend(StorageBackend):
    def __init__(self, base_dir: str | os.PathLike[str]) -> None:
        self.base_dir = Path(base_dir).resolve()
        self._base = str(self.base_dir)
        # Reads and existence checks are small and frequent: share thread hops between concurrent calls.
        self._reads = BlockingBatcher(self._read_item)
        self._checks = BlockingBatcher(os.path.isfile)

    def describe(self) -> str:
        return f"folder {self.base_dir}"

    def _path_for(self, key: str) -> Path:
        return self.base_dir.joinpath(*validate_key(key).split("/"))

    def _file_for(self, key: str) -> str:
        """The same path as a string: cheaper to build for the hot read and exists calls."""
        return os.path.join(self._base, *validate_key(key).split("/"))

    # --- blocking halves, run in a worker thread -------------------------------------------------
    def _read_sync(self, key: str, path: str | Path) -> bytes:
        try:
            return _read_whole_file(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(f"no object {key!r} in {self.describe()}") from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} from {self.describe()}: {exc.strerror}") from None

    def _read_item(self, item: tuple[str, str]) -> bytes:
        return self._read_sync(*item)

    def _make_parents(self, directory: Path) -> None:
        missing: list[Path] = []
        current = directory
        while not current.exists():
            missing.append(current)
            current = current.parent
        if not missing:
            return
        directory.mkdir(parents=True, exist_ok=True)
        # New folders are durable only once their parents' entries are on disk too.
        for created in reversed(missing):
            _fsync_directory(created.parent)

    def _write_sync(self, key: str, path: Path, data: bytes) -> None:
        temp = path.with_name(f"{TEMP_MARKER}{secrets.token_hex(8)}.tmp")
        try:
            self._make_parents(path.parent)
            with open(temp, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
            _fsync_directory(path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):  # the folder itself may be what failed
                temp.unlink(missing_ok=True)
            raise StorageError(f"cannot write {key!r} to {self.describe()}: {exc.strerror}") from None

    def _delete_sync(self, key: str, path: Path) -> None:
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return  # nothing stored under this key (a folder is not an object)
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r} from {self.describe()}: {exc.strerror}") from None
        _fsync_directory(path.parent)

    def _list_sync(self, prefix: str) -> list[str]:
        # Walk only the deepest folder the prefix names, then filter by the plain string prefix.
        folder_part = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.base_dir.joinpath(*folder_part.split("/")) if folder_part else self.base_dir
        if not start.is_dir():
            return []
        keys: list[str] = []
        for root, dirs, files in os.walk(start):
            dirs[:] = [name for name in dirs if not name.startswith(TEMP_MARKER)]
            relative_root = Path(root).relative_to(self.base_dir).as_posix()
            base = "" if relative_root == "." else relative_root + "/"
            for name in files:
                if name.startswith(TEMP_MARKER):
                    continue
                key = base + name
                if key.startswith(prefix):
                    keys.append(key)
        keys.sort()
        return keys

    # --- the async contract -----------------------------------------------------------------------
    async def read(self, path: str) -> bytes:
        return await self._reads.submit((path, self._file_for(path)))

    async def write(self, path: str, data: bytes) -> None:
        target = self._path_for(path)
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"write({path!r}) needs bytes, not {type(data).__name__}: encode text first")
        await asyncio.to_thread(self._write_sync, path, target, bytes(data))

    async def delete(self, path: str) -> None:
        target = self._path_for(path)
        await asyncio.to_thread(self._delete_sync, path, target)

    async def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        return await asyncio.to_thread(self._list_sync, prefix)

    async def exists(self, path: str) -> bool:
        return await self._checks.submit(self._file_for(path))
