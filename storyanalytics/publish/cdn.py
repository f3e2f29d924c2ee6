"""CloudFront invalidations: a republish or unpublish is seen at once, not when the cache expires.

An invalidation that fails does not undo a publish: the files are right, and the short page TTL
(s-maxage=300) lets the edge catch up; the failure is logged with what to run.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)


class Invalidator:
    """Invalidates paths of one distribution; `None` distribution means there is no CDN to tell."""

    def __init__(
        self, distribution_id: str | None, *, client: Any = None, endpoint_url: str | None = None
    ) -> None:
        self.distribution_id = distribution_id
        self._client = client
        self._endpoint_url = endpoint_url
        self.sent: list[list[str]] = []

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("cloudfront", endpoint_url=self._endpoint_url)
        return self._client

    def _invalidate_sync(self, paths: list[str]) -> str | None:
        if not self.distribution_id or not paths:
            return None
        unique = sorted(set(paths))
        try:
            # CreateInvalidation: InvalidationBatch {Paths {Quantity, Items}, CallerReference}; a new
            # CallerReference per request, else CloudFront treats it as a resubmission:
            # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
            answer = self.client.create_invalidation(
                DistributionId=self.distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": len(unique), "Items": unique},
                    "CallerReference": f"story-analytics-{time.time_ns()}-{uuid.uuid4().hex[:8]}",
                },
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning(
                "CloudFront invalidation of %s failed (%s): the edge shows the change within 5 minutes; "
                "run `story-analytics publish --sync` to retry.",
                ", ".join(unique[:5]),
                type(exc).__name__,
            )
            return None
        self.sent.append(unique)
        invalidation_id: str = answer["Invalidation"]["Id"]
        return invalidation_id

    async def invalidate(self, paths: list[str]) -> str | None:
        return await asyncio.to_thread(self._invalidate_sync, paths)
