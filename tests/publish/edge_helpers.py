"""Reading the edge bucket as CloudFront would, and a CloudFront client stubbed from the API reference."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import ANY, Stubber


def stored(s3_client: Any, bucket: str, key: str) -> dict[str, Any]:
    """An object of the edge bucket as S3 gives it to CloudFront (body, type, caching)."""
    answer = s3_client.get_object(Bucket=bucket, Key=f"public/{key}")
    return {"body": answer["Body"].read(), "type": answer["ContentType"], "cache": answer.get("CacheControl")}


def keys(s3_client: Any, bucket: str) -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket, Prefix="public/")
    return sorted(item["Key"].removeprefix("public/") for item in listing.get("Contents", []))


def s3_event(key: str, detail_type: str = "Object Created") -> dict[str, Any]:
    """One SQS record whose body is an S3 event as EventBridge delivers it (fields from
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html)."""
    event = {
        "version": "0",
        "detail-type": detail_type,
        "source": "aws.s3",
        "detail": {"version": "0", "bucket": {"name": "edge"}, "object": {"key": key, "size": 10}},
    }
    return {"messageId": key, "body": json.dumps(event)}


class RecordingCloudFront:
    """A CloudFront client whose create_invalidation answers as the API reference says, via Stubber;
    `calls` keeps the parameters of each call."""

    def __init__(self) -> None:
        self.client = boto3.client("cloudfront", region_name="us-east-1")
        self.calls: list[dict[str, Any]] = []
        self.client.meta.events.register(
            "before-parameter-build.cloudfront.CreateInvalidation",
            lambda params, **_: self.calls.append(params),
        )
        self.stubber = Stubber(self.client)
        self.stubber.activate()

    def expect_invalidations(self, count: int, paths: list[str] | None = None) -> None:
        # Request and response shapes: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
        batch: Any = ANY
        if paths is not None:
            batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": ANY}
        for n in range(count):
            self.stubber.add_response(
                "create_invalidation",
                {
                    "Location": f"https://cloudfront.amazonaws.com/2020-05-31/distribution/E1EDGE/invalidation/I{n}",
                    "Invalidation": {
                        "Id": f"I{n}",
                        "Status": "InProgress",
                        "CreateTime": "2026-01-01T00:00:00Z",
                        "InvalidationBatch": {
                            "Paths": {"Quantity": 1, "Items": ["/x"]},
                            "CallerReference": "r",
                        },
                    },
                },
                {"DistributionId": "E1EDGE", "InvalidationBatch": batch},
            )
