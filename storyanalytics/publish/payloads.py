"""Published payloads: stable public ids, frozen public documents with ETags, and their per-process cache.

A publish freezes what the public sees (config, data, theme) into one JSON document stored next to the
item (`charts/<id>.public.json`, `dashboards/<id>.public.json`), tagged with the public version. Public
reads then cost one indexed row lookup (is it still published? which version?) plus, on a cold cache, one
storage read; the bytes and their ETag are cached per (public id, public version), which never changes
meaning, so several app instances can cache independently. Unpublish flips the row and the next read 404s.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

PUBLIC_ID_BYTES = 22  # 176 bits of randomness
PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Caches must revalidate every time (a cheap 304), so an unpublish takes effect at once everywhere.
PUBLIC_CACHE_CONTROL = "public, no-cache"


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def looks_like_public_id(value: str) -> bool:
    return bool(PUBLIC_ID.match(value))


def chart_public_key(chart_id: str) -> str:
    return f"charts/{chart_id}.public.json"


def dashboard_public_key(dashboard_id: str) -> str:
    return f"dashboards/{dashboard_id}.public.json"


def encode_payload(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def make_etag(public_id: str, public_version: int, body: bytes) -> str:
    digest = hashlib.sha256(f"{public_id}\n{public_version}\n".encode() + body).hexdigest()[:32]
    return f'"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison over a list of tags, `*` included."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


@dataclass(frozen=True)
class PublicDocument:
    body: bytes
    etag: str
    public_version: int


class PublicCache:
    """Bytes and ETag of public payloads, keyed by (kind, public id, public version), bounded in bytes."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str, int], PublicDocument] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, kind: str, public_id: str, public_version: int) -> PublicDocument | None:
        key = (kind, public_id, public_version)
        with self._lock:
            document = self._items.get(key)
            if document is not None:
                self._items.move_to_end(key)
            return document

    def put(self, kind: str, public_id: str, document: PublicDocument) -> None:
        if len(document.body) > self.max_bytes // 4:
            return
        key = (kind, public_id, document.public_version)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._items[key] = document
            self._size += len(document.body)
            while self._size > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
