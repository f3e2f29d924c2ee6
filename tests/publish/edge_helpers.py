"""Reading the edge bucket as CloudFront would."""

from __future__ import annotations

from typing import Any


def stored(s3_client: Any, bucket: str, key: str) -> dict[str, Any]:
    """An object of the edge bucket as S3 gives it to CloudFront (body, type, caching)."""
    answer = s3_client.get_object(Bucket=bucket, Key=f"public/{key}")
    return {"body": answer["Body"].read(), "type": answer["ContentType"], "cache": answer.get("CacheControl")}


def keys(s3_client: Any, bucket: str) -> list[str]:
    listing = s3_client.list_objects_v2(Bucket=bucket, Prefix="public/")
    return sorted(item["Key"].removeprefix("public/") for item in listing.get("Contents", []))
