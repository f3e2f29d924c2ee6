"""Edge stack function: CloudFront invalidations of changed published files (the app never calls CloudFront).

The app runs in private subnets with no NAT, and the CloudFront API has no VPC endpoint. This function
runs outside any VPC in the edge stack: S3 sends the edge bucket's Object Created/Deleted events to
EventBridge, a rule queues those under public/ in SQS, and this function invalidates each batch at once.
cfn/edge.yaml carries this file inline (tests/cfn checks they match): only stdlib and boto3.
"""

import json
import os
import time
import uuid
from typing import Any
from urllib.parse import quote

import boto3

EDGE_PREFIX = "public"
# More paths than this in one batch: "/*" instead, billed as one path (the first 1,000 paths a month
# are free): https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PayingForInvalidation.html
MOST_PATHS = 15
EVERYTHING = "/*"
_cloudfront: list[Any] = []


def changed_path(detail_type: str, key: str, reason: str = "") -> str | None:
    """The URL path to invalidate for a changed object, or None when no cached copy can be stale.

    Assets and payloads are named by their content: a new one was never cached under that name. A deleted
    payload is invalidated so an unpublished chart stops being readable at once. The lifecycle rule's
    expiry of replaced versions changes nothing readers see (reason "Lifecycle Expiration"):
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
    """
    if not key.startswith(EDGE_PREFIX + "/") or reason == "Lifecycle Expiration":
        return None
    path = key[len(EDGE_PREFIX) :]
    if path.startswith("/assets/"):
        return None
    if path.startswith("/data/") and not detail_type.startswith("Object Deleted"):
        return None
    # Invalidation paths are URL-encoded like the request:
    # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
    return quote(path, safe="/-_.~")


def batch_paths(records: list[dict[str, Any]]) -> list[str]:
    """The paths of one SQS batch of EventBridge S3 events, deduplicated; "/*" when there are many.

    Event shape (detail-type, detail.object.key): https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
    """
    paths = set()
    for record in records:
        event = json.loads(record["body"])
        detail = event.get("detail", {})
        key = detail.get("object", {}).get("key", "")
        path = changed_path(str(event.get("detail-type", "")), str(key), str(detail.get("reason", "")))
        if path:
            paths.add(path)
    if len(paths) > MOST_PATHS:
        return [EVERYTHING]
    return sorted(paths)


def invalidate(client: Any, distribution_id: str, paths: list[str]) -> str:
    """One CreateInvalidation; a fresh CallerReference each time, else CloudFront sees a resubmission:
    https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html"""
    answer = client.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"story-analytics-{time.time_ns()}-{uuid.uuid4().hex[:8]}",
        },
    )
    return str(answer["Invalidation"]["Id"])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch in; an error fails the whole batch, which SQS redelivers (then its dead-letter queue)."""
    paths = batch_paths(event.get("Records", []))
    if not paths:
        return {"invalidated": []}
    if not _cloudfront:
        _cloudfront.append(boto3.client("cloudfront"))
    invalidation_id = invalidate(_cloudfront[0], os.environ["DISTRIBUTION_ID"], paths)
    print(json.dumps({"invalidation": invalidation_id, "paths": paths}))
    return {"invalidated": paths}
