"""Publishing to the edge: write, replace and remove a published item's static files.

Used by the API (publish, unpublish, delete), by `publish --sync` and by the local-to-cloud migration,
so the public layout (see `layout`) is known in this one place. The app never calls CloudFront (it has
no route to its API from the private subnets): every write and delete here reaches the edge stack's
invalidation function as an S3 event (storyanalytics/publish/invalidate_function.py).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storyanalytics.publish import layout
from storyanalytics.publish.bundle import EmbedBundle
from storyanalytics.publish.embed_code import EMBED_SCRIPT_BYTES
from storyanalytics.publish.payloads import encode_payload
from storyanalytics.storage import ObjectNotFound

if TYPE_CHECKING:  # EdgeFiles loads botocore, which local mode (no edge) never needs
    from storyanalytics.publish.files import EdgeFiles


@dataclass(frozen=True)
class EdgeItem:
    """One published item as the edge needs it: its frozen payload, for charts a PNG, and the sites its
    team lets embed it (None = any)."""

    kind: str  # "chart" or "dashboard"
    public_id: str
    payload: bytes
    title: str
    png: bytes | None = None
    frame_ancestors: tuple[str, ...] | None = None


class Edge:
    """The CDN side of publishing: the files under the edge prefix."""

    def __init__(self, files: EdgeFiles, dist: Path | None, base_url: str) -> None:
        self.files = files
        self.dist = dist
        self.base_url = base_url.rstrip("/")
        self._assets_ready = False
        self._assets_lock = asyncio.Lock()

    @cached_property
    def bundle(self) -> EmbedBundle:
        """Read on first use: an app without a built web app still starts, and says why at publish."""
        return EmbedBundle.from_dist(self.dist)

    def public_url(self, kind: str, public_id: str) -> str:
        url = self.base_url + layout.url_path(layout.page_key(public_id))
        return url + ("?kind=dashboard" if kind == "dashboard" else "")

    async def ensure_assets(self) -> list[str]:
        """Upload the embed bundle's hashed assets that are not on the edge yet, and the sizing script."""
        async with self._assets_lock:
            if self._assets_ready:
                return []
            present = set(await self.files.list("assets/"))
            uploaded = []
            for name in self.bundle.asset_names:
                key = layout.asset_key(name)
                if key in present:
                    continue
                await self.files.put(
                    key,
                    self.bundle.asset_bytes(name),
                    content_type=layout.content_type_for(name),
                    cache_control=layout.IMMUTABLE,
                )
                uploaded.append(key)
            await self.files.put(
                layout.EMBED_SCRIPT_KEY,
                EMBED_SCRIPT_BYTES,
                content_type=layout.JAVASCRIPT,
                cache_control=layout.SHORT_LIVED,
            )
            self._assets_ready = True
            return uploaded

    async def _current_payload_key(self, public_id: str) -> str | None:
        try:
            page = await self.files.read(layout.page_key(public_id))
        except ObjectNotFound:
            return None
        path = layout.payload_path_in(page)
        return path.lstrip("/") if path else None

    async def publish(self, item: EdgeItem, *, keep_previous: bool = True) -> str:
        """Payload first, then the PNG, then the page that points at them; returns the public URL.

        The payload the previous page pointed at is kept (a page cached for up to a minute may still
        ask for it) unless `keep_previous` is False, as when a chart must stop being readable.
        """
        await self.ensure_assets()
        previous = await self._current_payload_key(item.public_id)
        payload_key = layout.payload_key(item.public_id, item.payload)
        await self.files.put(
            payload_key, item.payload, content_type=layout.JSON, cache_control=layout.IMMUTABLE
        )
        png_path = None
        if item.png is not None:
            await self.files.put(
                layout.png_key(item.public_id),
                item.png,
                content_type=layout.PNG,
                cache_control=layout.SHORT_LIVED,
            )
            png_path = layout.url_path(layout.png_key(item.public_id))
        else:
            await self.files.delete(layout.png_key(item.public_id))
        page = layout.render_page(
            self.bundle.template,
            kind=item.kind,
            title=item.title,
            payload_path=layout.url_path(payload_key),
            png_path=png_path,
            chunks=self.bundle.static_chunks,
        )
        await self._put_page(item.public_id, page, item.frame_ancestors)
        keep = {payload_key} | ({previous} if keep_previous and previous else set())
        stale = [k for k in await self.files.list(layout.payload_folder(item.public_id)) if k not in keep]
        for key in stale:
            await self.files.delete(key)
        return self.public_url(item.kind, item.public_id)

    async def _put_page(self, public_id: str, page: bytes, origins: tuple[str, ...] | None) -> None:
        await self.files.put(
            layout.page_key(public_id),
            page,
            content_type=layout.HTML,
            cache_control=layout.SHORT_LIVED,
            metadata=layout.page_metadata(list(origins or [])),
        )

    async def set_frame_ancestors(self, public_id: str, origins: tuple[str, ...] | None) -> bool:
        """Rewrite a published page with its team's new allowlist (S3 metadata cannot change in place)."""
        try:
            page = await self.files.read(layout.page_key(public_id))
        except ObjectNotFound:
            return False
        await self._put_page(public_id, page, origins)
        return True

    async def remove(self, public_id: str) -> None:
        """The page goes first (nothing then points at the payloads), then everything else of the item."""
        await self.files.delete(layout.page_key(public_id))
        await self.files.delete(layout.png_key(public_id))
        payloads = await self.files.list(layout.payload_folder(public_id))
        for key in payloads:
            await self.files.delete(key)

    async def read_payload(self, public_id: str) -> dict[str, Any] | None:
        key = await self._current_payload_key(public_id)
        if key is None:
            return None
        try:
            document: dict[str, Any] = json.loads(await self.files.read(key))
        except ObjectNotFound:
            return None
        return document

    async def drop_chart(
        self, dashboard_public_id: str, chart_id: str, frame_ancestors: tuple[str, ...] | None = None
    ) -> bool:
        """Rewrite a published dashboard without one chart, leaving no older payload that shows it."""
        document = await self.read_payload(dashboard_public_id)
        if document is None or chart_id not in (document.get("charts") or {}):
            return False
        document["charts"].pop(chart_id)
        document["layout"] = [
            entry
            for entry in document.get("layout") or []
            if not (isinstance(entry, dict) and entry.get("chart_id") == chart_id)
        ]
        title = str(document.get("title") or "")
        item = EdgeItem(
            "dashboard", dashboard_public_id, encode_payload(document), title, frame_ancestors=frame_ancestors
        )
        await self.publish(item, keep_previous=False)
        return True

    async def published_ids(self) -> set[str]:
        """Public ids that have a page on the edge (what `publish --sync` compares with the database)."""
        keys = await self.files.list("embed/")
        return {key.removeprefix("embed/") for key in keys if not key.endswith(".png")}
