"""The storage contract every backend keeps: same keys, same answers, same exceptions."""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass, field

from storyanalytics.errors import StoryAnalyticsError

# Marks the temporary files of atomic local writes; keys may never look like one.
TEMP_MARKER = ".~sa-"
# S3's limit for a whole key, and the usual file-system limit for one name; both backends keep both.
MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255
# A write may take longer than a small call by its size at this rate (a large CSV is not a hang).
SLOWEST_WRITE_BYTES_PER_SECOND = 8 * 1024 * 1024


class StorageError(StoryAnalyticsError):
    """Storage could not do what was asked; the message names the bucket or folder and the key."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under this key."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "object not found"


class StorageUnavailable(StorageError):
    """Storage did not answer (a timeout, a lost connection, a server-side error): worth trying again later.

    `retry_after` is how many seconds to wait before trying again, when known.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidKey(StorageError, ValueError):
    """The key is not a safe relative POSIX path; nothing was read or written."""


_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f]")
# The shape of nearly every real key ('charts/abc123.json'): ASCII segments that do not start with a dot,
# each at most MAX_SEGMENT_BYTES long. Such a key passes every rule below, so it skips them.
_PLAIN_SEGMENT = f"[A-Za-z0-9_-][A-Za-z0-9_.-]{{0,{MAX_SEGMENT_BYTES - 1}}}"
_PLAIN_KEY = re.compile(f"(?:{_PLAIN_SEGMENT}/)*{_PLAIN_SEGMENT}")


def _has_control_character(text: str) -> bool:
    return _CONTROL_CHARACTER.search(text) is not None


def validate_key(key: str) -> str:
    """Refuse any key that could escape the backend's root or mean two things, before any I/O."""
    if not isinstance(key, str):
        raise InvalidKey(f"storage keys are strings like 'charts/abc.json', not {type(key).__name__}")
    if len(key) <= MAX_KEY_BYTES and _PLAIN_KEY.fullmatch(key):
        return key
    if not key:
        raise InvalidKey("storage key is empty: use a relative path like 'charts/abc.json'")
    _refuse_unsafe_text("storage key", key)
    if key.endswith("/"):
        raise InvalidKey(f"storage key {key!r} ends with '/': name a file, not a folder")
    encoded = _utf8("storage key", key)
    if len(encoded) > MAX_KEY_BYTES:
        raise InvalidKey(f"storage key is {len(encoded)} bytes long: use at most {MAX_KEY_BYTES} bytes")
    for segment in key.split("/"):
        if segment == "":
            raise InvalidKey(f"storage key {key!r} has an empty segment ('//'): remove the extra '/'")
        if segment in {".", ".."}:
            raise InvalidKey(f"storage key {key!r} contains '{segment}': use a plain relative path")
        if segment.startswith(TEMP_MARKER):
            raise InvalidKey(f"storage key {key!r} uses the reserved name prefix {TEMP_MARKER!r}")
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise InvalidKey(
                f"storage key {key!r} has a name longer than {MAX_SEGMENT_BYTES} bytes: shorten it"
            )
    return key


def validate_prefix(prefix: str) -> str:
    """A list prefix is a plain string prefix; refuse only what could escape the root."""
    if not isinstance(prefix, str):
        raise InvalidKey(f"list prefixes are strings like 'charts/', not {type(prefix).__name__}")
    _refuse_unsafe_text("list prefix", prefix)
    if ".." in prefix.split("/"):
        raise InvalidKey(f"list prefix {prefix!r} contains '..': use a plain relative prefix")
    _utf8("list prefix", prefix)
    return prefix


def _refuse_unsafe_text(what: str, value: str) -> None:
    """What neither a key nor a list prefix may hold: a leading '/', a backslash, control characters."""
    if value.startswith("/"):
        raise InvalidKey(f"{what} {value!r} is absolute: drop the leading '/'")
    if "\\" in value:
        raise InvalidKey(f"{what} {value!r} contains a backslash: use '/' between folders")
    if "\x00" in value or _has_control_character(value):
        raise InvalidKey(f"{what} {value!r} contains a NUL or control character: remove it")


def _utf8(what: str, value: str) -> bytes:
    """The value as UTF-8 (S3 keys are UTF-8), refusing a lone surrogate that has no encoding."""
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidKey(f"{what} {value!r} is not valid Unicode text: remove the lone surrogate") from None


@dataclass(frozen=True)
class DirectUpload:
    """A signed HTML form a browser POSTs a file to itself, so large files never pass through the app."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)


class StorageBackend(abc.ABC):
    """Async key/value file storage. Keys are relative POSIX paths such as `charts/abc123.json`."""

    @abc.abstractmethod
    async def read(self, path: str) -> bytes:
        """Return the object's bytes; raise `ObjectNotFound` when there is none."""

    @abc.abstractmethod
    async def write(self, path: str, data: bytes) -> None:
        """Store `data` under `path`, replacing what was there, all or nothing."""

    @abc.abstractmethod
    async def delete(self, path: str) -> None:
        """Remove the object; a missing key is not an error (as in S3)."""

    @abc.abstractmethod
    async def list(self, prefix: str = "") -> list[str]:
        """Every key starting with `prefix`, recursively, sorted."""

    @abc.abstractmethod
    async def exists(self, path: str) -> bool:
        """Whether an object is stored under `path`."""

    def describe(self) -> str:
        """Where the objects live, for messages and reports."""
        return type(self).__name__

    def direct_upload(self, path: str, max_bytes: int, expires_in: int) -> DirectUpload | None:
        """A form the browser can send the file to under `path` (at most `max_bytes`, valid `expires_in`
        seconds), or None when the only way in is through the app (local folders)."""
        validate_key(path)
        return None
