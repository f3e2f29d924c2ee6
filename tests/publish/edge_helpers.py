"""Reading the edge bucket as CloudFront would, and a CloudFront client stubbed from the API reference."""

from __future__ import annotations

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


class RecordingCloudFront:
    """A CloudFront client whose create_invalidation answers as the API reference says, via Stubber."""

    def __init__(self) -> None:
        self.client = boto3.client("cloudfront", region_name="us-east-1")
        self.stubber = Stubber(self.client)
        self.stubber.activate()

    def expect_invalidations(self, count: int) -> None:
        # Response shape: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
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
                {"DistributionId": "E1EDGE", "InvalidationBatch": ANY},
            )
