"""The bucket's CORS rule: exactly the app's origin, POST only; a refusal says what to do."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from storyanalytics.deploy.bucket_cors import allow_browser_uploads, app_origin
from storyanalytics.deploy.errors import DeployError


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://abc123.lambda-url.us-east-1.on.aws/", "https://abc123.lambda-url.us-east-1.on.aws"),
        ("https://sa.ecs.us-east-1.on.aws/app?x=1", "https://sa.ecs.us-east-1.on.aws"),
        ("http://127.0.0.1:8443", "http://127.0.0.1:8443"),
    ],
)
def test_origin_is_the_app_url_without_its_path(url: str, origin: str) -> None:
    assert app_origin(url) == origin


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(DeployError, match="not an http"):
        app_origin("ftp://example.org")


def test_access_denied_says_which_permission_the_update_needs() -> None:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(s3)
    stubber.add_client_error("put_bucket_cors", "AccessDenied", "Access Denied", 403)
    stubber.activate()
    with pytest.raises(DeployError, match=r"s3:PutBucketCORS") as caught:
        allow_browser_uploads(s3, "bucket", "https://app.example.org/")
    assert "https://app.example.org" in str(caught.value)
