"""An edge on the moto server: its bucket, a small built web app, and CloudFront calls recorded by Stubber."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from storyanalytics.publish.cdn import Invalidator
from storyanalytics.publish.edge import Edge
from storyanalytics.publish.files import EdgeFiles

EMBED_HTML = """<!doctype html>
<html lang="en">
  <head>
    <title>Chart · Story Analytics</title>
    <script type="module" crossorigin src="/assets/embed-AAAA1111.js"></script>
  </head>
  <body>
    <div id="chart" data-testid="embed-chart"><p>Loading chart…</p></div>
  </body>
</html>
"""


@pytest.fixture
def small_dist(tmp_path: Path) -> Path:
    """A built web app in miniature: the embed entry imports a shared chunk; the editor is separate."""
    dist = tmp_path / "dist"
    assets = dist / "assets"
    assets.mkdir(parents=True)
    (dist / "embed.html").write_text(EMBED_HTML, encoding="utf-8")
    (assets / "embed-AAAA1111.js").write_text('import{r}from"./render-BBBB2222.js";r();', encoding="utf-8")
    (assets / "embed-AAAA1111.js.gz").write_bytes(b"precompressed")
    (assets / "render-BBBB2222.js").write_text("export function r(){}", encoding="utf-8")
    (assets / "index-CCCC3333.js").write_text("/* the editor */", encoding="utf-8")
    return dist


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


@pytest.fixture
def cloudfront() -> RecordingCloudFront:
    return RecordingCloudFront()


@pytest.fixture
def edge(moto_server: str, s3_bucket: str, small_dist: Path, cloudfront: RecordingCloudFront) -> Edge:
    files = EdgeFiles(s3_bucket, endpoint_url=moto_server, region_name="us-east-1")
    invalidator = Invalidator("E1EDGE", client=cloudfront.client)
    return Edge(files, invalidator, small_dist, "https://d111111abcdef8.cloudfront.net")
