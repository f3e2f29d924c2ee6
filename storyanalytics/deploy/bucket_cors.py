"""Let the app's web page send large CSVs straight to the bucket (presigned POST), and no other page.

The rule names exactly the app's origin (its URL without the path), and only POST. It is written after
each deploy or update, because the URL exists only once the service does, and the service needs the
bucket first (the template cannot name one in the other). PutBucketCors replaces the whole configuration:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.errors import DeployError, aws_error_message

CORS_RULE_ID = "story-analytics-direct-uploads"
# How long a browser may reuse a preflight answer (seconds).
PREFLIGHT_CACHE_SECONDS = 3600


def app_origin(app_url: str) -> str:
    """https://abc.lambda-url.us-east-1.on.aws/ -> https://abc.lambda-url.us-east-1.on.aws"""
    parts = urlsplit(app_url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise DeployError(f"The app URL {app_url!r} is not an http(s) address; cannot allow browser uploads.")
    return f"{parts.scheme}://{parts.netloc}"


def allow_browser_uploads(s3: Any, bucket: str, app_url: str) -> str:
    """Write the bucket's CORS rule for the app's origin; returns that origin."""
    origin = app_origin(app_url)
    rule = {
        "ID": CORS_RULE_ID,
        "AllowedOrigins": [origin],
        "AllowedMethods": ["POST"],
        "AllowedHeaders": ["*"],
        "MaxAgeSeconds": PREFLIGHT_CACHE_SECONDS,
    }
    try:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
    except (ClientError, BotoCoreError) as exc:
        raise DeployError(
            f"The app is deployed, but large CSV uploads from the browser need the bucket {bucket} to "
            f"allow {origin} ({aws_error_message(exc)}): run the update again with s3:PutBucketCORS."
        ) from None
    return origin
