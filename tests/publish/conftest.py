"""An edge on the moto server: its bucket and a small built web app."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
def edge(moto_server: str, s3_bucket: str, small_dist: Path) -> Edge:
    files = EdgeFiles(s3_bucket, endpoint_url=moto_server, region_name="us-east-1")
    return Edge(files, small_dist, "https://d111111abcdef8.cloudfront.net")
