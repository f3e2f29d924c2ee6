"""Published charts and dashboards: payloads, embed codes, and their static copy on the edge (CDN).

`layout` is the one place that knows the public file layout; `edge.Edge` writes and removes it.
"""

from __future__ import annotations

from pathlib import Path

from storyanalytics.config import Settings
from storyanalytics.publish.edge import Edge, EdgeItem
from storyanalytics.storage.timeouts import BULK_TIMEOUTS, S3Timeouts

__all__ = ["Edge", "EdgeItem", "edge_from_settings"]


def edge_from_settings(
    settings: Settings, dist: Path | None, timeouts: S3Timeouts = BULK_TIMEOUTS
) -> Edge | None:
    """The edge of this deployment, or None when published items are served by the app (local mode).

    The app passes REQUEST_TIMEOUTS, so a hung S3 fails a request's CDN update in seconds."""
    if settings.edge_bucket is None or settings.edge_url is None:
        return None
    # Here, not at the top: EdgeFiles loads botocore (~100 ms of start CPU), which local mode never needs.
    from storyanalytics.publish.files import EdgeFiles

    files = EdgeFiles(
        settings.edge_bucket,
        endpoint_url=settings.aws_endpoint_url,
        region_name=settings.aws_region,
        timeouts=timeouts,
    )
    return Edge(files, dist, settings.edge_url)
