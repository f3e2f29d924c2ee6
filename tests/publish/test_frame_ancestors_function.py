"""The edge's viewer-response function, run in node as CloudFront would call it (event shape from
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html), and
the CloudFront stand-in playing it the same way."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import load

import storyanalytics
from storyanalytics.rehearsal.standins.cdn import function_csp, page_csp

pytestmark = pytest.mark.node
META = "x-amz-meta-frame-ancestors"
EDGE_TEMPLATE = Path(storyanalytics.__file__).parent / "cfn" / "edge.yaml"


def run_function(headers: dict[str, Any]) -> dict[str, Any]:
    """The template's FunctionCode called with a viewer-response event; returns the response it gives."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    code = load(str(EDGE_TEMPLATE))["Resources"]["FrameAncestorsFunction"]["Properties"]["FunctionCode"]
    event = {
        "version": "1.0",
        "context": {"eventType": "viewer-response"},
        "viewer": {"ip": "198.51.100.11"},
        "request": {"method": "GET", "uri": "/embed/x", "querystring": {}, "headers": {}, "cookies": {}},
        "response": {"statusCode": 200, "statusDescription": "OK", "headers": headers, "cookies": {}},
    }
    script = code + "\nprocess.stdout.write(JSON.stringify(handler(JSON.parse(process.argv[1]))));\n"
    done = subprocess.run(
        [node, "-e", script, json.dumps(event)], capture_output=True, text=True, timeout=60, check=True
    )
    response: dict[str, Any] = json.loads(done.stdout)
    return response


def frame_ancestors(response: dict[str, Any]) -> str:
    csp = response["headers"]["content-security-policy"]["value"]
    return csp.rsplit("; frame-ancestors ", 1)[1]


def test_a_page_without_an_allowlist_may_be_embedded_anywhere() -> None:
    response = run_function({"content-type": {"value": "text/html"}})
    assert frame_ancestors(response) == "*"
    assert response["headers"]["content-type"] == {"value": "text/html"}


def test_the_teams_allowlist_becomes_frame_ancestors_and_its_header_is_dropped() -> None:
    response = run_function({META: {"value": "https://news.example.org https://*.example.com"}})
    assert frame_ancestors(response) == "https://news.example.org https://*.example.com"
    assert META not in response["headers"]


def test_the_rest_of_the_policy_is_strict() -> None:
    csp = run_function({})["headers"]["content-security-policy"]["value"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "base-uri 'none'" in csp


def test_anything_that_is_not_an_origin_is_dropped_and_nothing_left_means_no_site() -> None:
    assert (
        frame_ancestors(run_function({META: {"value": "https://ok.example; script-src 'self'"}})) == "'none'"
    )
    assert frame_ancestors(run_function({META: {"value": "https://ok.example javascript:x"}})) == (
        "https://ok.example"
    )


@pytest.mark.parametrize("stored", [None, "https://a.example https://*.b.example:8443", "nonsense"])
def test_the_cloudfront_stand_in_answers_what_the_function_answers(stored: str | None) -> None:
    headers = {} if stored is None else {META: {"value": stored}}
    expected = run_function(headers)["headers"]["content-security-policy"]["value"]
    assert page_csp(function_csp(), stored) == expected
