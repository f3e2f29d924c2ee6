"""Buckets the deployer writes to or removes: template URLs, and emptying a versioned bucket."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from storyanalytics.deploy.errors import DeployError, aws_error_message, error_code


def s3_object_url(s3_client: Any, bucket: str, key: str) -> str:
    """An https URL CloudFormation can read; path-style for emulators on a custom endpoint."""
    endpoint = str(s3_client.meta.endpoint_url).rstrip("/")
    host = urlsplit(endpoint).netloc
    if host.endswith(("amazonaws.com", "amazonaws.com.cn")):
        return f"https://{bucket}.{host}/{key}"
    return f"{endpoint}/{bucket}/{key}"


def empty_bucket(s3_client: Any, bucket: str) -> int:
    """Delete every object version and delete marker (the bucket stays); returns how many were deleted.

    A stack cannot delete a bucket that still holds objects, so a bucket the stack owns is emptied first.
    """
    deleted = 0
    try:
        paginator = s3_client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            keys = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            for start in range(0, len(keys), 1000):
                batch = keys[start : start + 1000]
                response = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                if response.get("Errors"):
                    first = response["Errors"][0]
                    raise DeployError(
                        f"Could not delete {first.get('Key')} from bucket {bucket}: {first.get('Message')}."
                    )
                deleted += len(batch)
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            return deleted
        raise DeployError(f"Could not empty bucket {bucket}: {aws_error_message(exc)}.") from None
    return deleted


def empty_and_delete_bucket(s3_client: Any, bucket: str) -> int:
    """Empty the bucket (every version), then delete it; returns how many objects were deleted."""
    deleted = empty_bucket(s3_client, bucket)
    try:
        s3_client.delete_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            return deleted
        raise DeployError(f"Could not delete bucket {bucket}: {aws_error_message(exc)}.") from None
    return deleted
