"""Does a published chart answer through the CDN? The edge stack's URL, one embed page, its payload.

Run by `StackChecker.published_charts` (`story-analytics check`, notebook 03).
"""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from typing import Any

from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.publish.layout import EDGE_PREFIX, EMBED_SCRIPT_KEY, payload_path_in

EDGE_SUFFIX = "-edge"  # storyanalytics.deploy.edge_stack.edge_stack_name
_PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class EdgeCheckFailed(StoryAnalyticsError):
    """The CDN does not serve the published files; the message says what answered."""


def _get(url: str, timeout: float) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": "story-analytics-check"})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl.create_default_context()) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""
    except (urllib.error.URLError, OSError) as exc:
        raise EdgeCheckFailed(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None


def _edge_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    name = stack_name + EDGE_SUFFIX
    try:
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    except Exception as exc:
        # An unknown stack is a 400 ValidationError "Stack with id X does not exist" (the raw answer is
        # quoted in boto/boto3#2807).
        if "does not exist" in str(exc):
            raise EdgeCheckFailed(
                f"there is no edge stack {name!r}: run story-analytics deploy --aws --update to create it"
            ) from None
        raise
    return {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])}


def _a_published_page(s3: Any, bucket: str) -> str | None:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"{EDGE_PREFIX}/embed/", MaxKeys=100)
    for item in listing.get("Contents", []):
        public_id = item["Key"].rsplit("/", 1)[-1]
        if _PUBLIC_ID.match(public_id):
            return public_id
    return None


def published_chart_through_cdn(cloudformation: Any, s3: Any, stack_name: str, timeout: float) -> str:
    """One published page and its payload through the CDN URL (or embed.js when nothing is published)."""
    outputs = _edge_outputs(cloudformation, stack_name)
    base, bucket = outputs.get("PublicUrl", "").rstrip("/"), outputs.get("EdgeBucketName", "")
    if not base or not bucket:
        raise EdgeCheckFailed(f"the edge stack of {stack_name!r} has no PublicUrl/EdgeBucketName output")
    public_id = _a_published_page(s3, bucket)
    if public_id is None:
        status, _, _ = _get(f"{base}/{EMBED_SCRIPT_KEY}", timeout)
        if status != 200:
            raise EdgeCheckFailed(f"{base}/{EMBED_SCRIPT_KEY} answered HTTP {status}: run publish --sync")
        return f"nothing published yet; {base} answers (embed.js)"
    page_url = f"{base}/embed/{public_id}"
    status, content_type, page = _get(page_url, timeout)
    if status != 200 or not content_type.startswith("text/html"):
        raise EdgeCheckFailed(
            f"{page_url} answered HTTP {status} ({content_type or 'no type'}): run publish --sync"
        )
    payload = payload_path_in(page)
    if payload is None:
        raise EdgeCheckFailed(f"{page_url} names no payload: run story-analytics publish --sync")
    status, content_type, _ = _get(base + payload, timeout)
    if status != 200 or "json" not in content_type:
        raise EdgeCheckFailed(f"{base}{payload} answered HTTP {status}: run story-analytics publish --sync")
    return f"{page_url} and its payload answered 200 through the CDN"
