"""Published charts (CDN): a user learns whether a published chart and its payload answer through the
CDN URL of the edge stack, or, with nothing published yet, whether the CDN serves embed.js."""

from __future__ import annotations

from typing import Any

import pytest
from checks_fakes import STACK, T0, StubbedSession, Web, failed

from storyanalytics.checks import StackChecker

EDGE = f"{STACK}-edge"
EDGE_BUCKET = "sa-checks-edge-files"
PUBLIC_ID = "pub_AAAAAAAAAAAAAAAAAAAAAA"
PAGE = b'<div id="chart" data-payload="/data/x/1.json"></div>'


def _edge_stack(aws: StubbedSession, **outputs: str) -> None:
    """DescribeStacks of the edge stack (cfn/edge.yaml's outputs)."""
    stack = {
        "StackName": EDGE,
        "CreationTime": T0,
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
    }
    aws.stub("cloudformation").add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": EDGE})


def _published(aws: StubbedSession, *names: str) -> None:
    """ListObjectsV2 of the published pages (S3 API reference: ListObjectsV2, Contents)."""
    listing: dict[str, Any] = {"KeyCount": len(names), "IsTruncated": False}
    if names:
        listing["Contents"] = [{"Key": f"public/embed/{name}", "Size": 10} for name in names]
    aws.stub("s3").add_response(
        "list_objects_v2", listing, {"Bucket": EDGE_BUCKET, "Prefix": "public/embed/", "MaxKeys": 100}
    )


@pytest.fixture
def edge(aws: StubbedSession, web: Web) -> None:
    """An edge stack whose CDN URL is the loopback server."""
    _edge_stack(aws, PublicUrl=web.url + "/", EdgeBucketName=EDGE_BUCKET, DistributionId="E1")


def _chart_answers(web: Web, payload_status: int = 200, payload_type: str = "application/json") -> None:
    web.answer(f"/embed/{PUBLIC_ID}", 200, PAGE, "text/html; charset=utf-8")
    web.answer("/data/x/1.json", payload_status, b"{}", payload_type)


def test_a_published_chart_and_its_payload_answering_passes(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    _chart_answers(web)
    result = checker.published_charts()
    assert result.passed and result.name == "Published charts (CDN)"
    assert result.detail == f"{web.url}/embed/{PUBLIC_ID} and its payload answered 200 through the CDN"


def test_the_cdn_is_asked_as_the_checker(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    _chart_answers(web)
    checker.published_charts()
    assert [(path, headers["User-Agent"]) for path, headers in web.requests] == [
        (f"/embed/{PUBLIC_ID}", "story-analytics-check"),
        ("/data/x/1.json", "story-analytics-check"),
    ]


def test_files_that_are_not_pages_are_passed_over(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, "index.html", "short", PUBLIC_ID, "pub_BBBBBBBBBBBBBBBBBBBBBB")
    _chart_answers(web)
    assert checker.published_charts().passed
    assert web.requests[0][0] == f"/embed/{PUBLIC_ID}"


def test_with_nothing_published_the_cdn_serving_embed_js_passes(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws)
    web.answer("/embed.js", 200, b"/* embed */", "text/javascript")
    result = checker.published_charts()
    assert result.passed and result.detail == f"nothing published yet; {web.url} answers (embed.js)"


def test_with_only_other_files_published_the_cdn_serving_embed_js_passes(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, "index.html")
    web.answer("/embed.js", 200, b"/* embed */", "text/javascript")
    assert checker.published_charts().detail == f"nothing published yet; {web.url} answers (embed.js)"


def test_with_nothing_published_a_cdn_without_embed_js_fails(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws)
    assert failed(checker.published_charts()) == f"{web.url}/embed.js answered HTTP 404: run publish --sync"


def test_a_page_the_cdn_does_not_serve_fails_telling_to_sync(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    assert failed(checker.published_charts()) == (
        f"{web.url}/embed/{PUBLIC_ID} answered HTTP 404 (no type): run publish --sync"
    )


def test_a_page_served_as_something_else_than_html_fails_naming_its_type(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    web.answer(f"/embed/{PUBLIC_ID}", 200, PAGE, "application/octet-stream")
    assert failed(checker.published_charts()) == (
        f"{web.url}/embed/{PUBLIC_ID} answered HTTP 200 (application/octet-stream): run publish --sync"
    )


def test_a_page_served_without_a_type_fails_saying_so(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    web.answer(f"/embed/{PUBLIC_ID}", 200, PAGE, content_type="")
    assert failed(checker.published_charts()) == (
        f"{web.url}/embed/{PUBLIC_ID} answered HTTP 200 (no type): run publish --sync"
    )


@pytest.mark.parametrize("stuck", [f"/embed/{PUBLIC_ID}", "/data/x/1.json"], ids=["page", "payload"])
def test_a_chart_the_cdn_is_stuck_on_fails_once_the_timeout_passes(
    aws: StubbedSession, web: Web, edge: None, stuck: str
) -> None:
    _published(aws, PUBLIC_ID)
    _chart_answers(web)
    web.hang(stuck, 1.5)
    checker = StackChecker("eu-west-1", STACK, session=aws, http_timeout=0.2)  # type: ignore[arg-type]
    assert failed(checker.published_charts()) == f"cannot reach {web.url}{stuck}: timed out"


def test_a_cdn_url_with_a_path_keeps_it(checker: StackChecker, aws: StubbedSession, web: Web) -> None:
    _edge_stack(aws, PublicUrl=f"{web.url}/chartsX/", EdgeBucketName=EDGE_BUCKET)
    _published(aws)
    web.answer("/chartsX/embed.js", 200, b"/* embed */", "text/javascript")
    assert checker.published_charts().detail == f"nothing published yet; {web.url}/chartsX answers (embed.js)"


def test_a_page_naming_no_payload_fails(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    web.answer(f"/embed/{PUBLIC_ID}", 200, b"<div>no chart</div>", "text/html")
    assert failed(checker.published_charts()) == (
        f"{web.url}/embed/{PUBLIC_ID} names no payload: run story-analytics publish --sync"
    )


def test_a_payload_the_cdn_does_not_serve_fails(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    _chart_answers(web, payload_status=403)
    assert failed(checker.published_charts()) == (
        f"{web.url}/data/x/1.json answered HTTP 403: run story-analytics publish --sync"
    )


def test_a_payload_served_as_something_else_than_json_fails(
    checker: StackChecker, aws: StubbedSession, web: Web, edge: None
) -> None:
    _published(aws, PUBLIC_ID)
    _chart_answers(web, payload_type="text/html")
    assert failed(checker.published_charts()) == (
        f"{web.url}/data/x/1.json answered HTTP 200: run story-analytics publish --sync"
    )


def test_a_cdn_that_does_not_answer_fails_naming_the_address(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    _edge_stack(aws, PublicUrl="http://127.0.0.1:9", EdgeBucketName=EDGE_BUCKET)
    _published(aws)
    assert failed(checker.published_charts()) == (
        "cannot reach http://127.0.0.1:9/embed.js: [Errno 111] Connection refused"
    )


def test_a_cdn_that_hangs_fails_once_the_timeout_passes(aws: StubbedSession, web: Web, edge: None) -> None:
    _published(aws)
    web.hang("/embed.js", 1.5)
    checker = StackChecker("eu-west-1", STACK, session=aws, http_timeout=0.2)  # type: ignore[arg-type]
    assert failed(checker.published_charts()) == f"cannot reach {web.url}/embed.js: timed out"


def test_without_an_edge_stack_fails_telling_to_create_it(checker: StackChecker, aws: StubbedSession) -> None:
    # An unknown stack: ValidationError "Stack with id X does not exist" (quoted in boto/boto3#2807).
    aws.stub("cloudformation").add_client_error(
        "describe_stacks", "ValidationError", f"Stack with id {EDGE} does not exist", 400, {"StackName": EDGE}
    )
    assert failed(checker.published_charts()) == (
        f"there is no edge stack {EDGE!r}: run story-analytics deploy --aws --update to create it"
    )


def test_an_edge_stack_that_cannot_be_read_fails_with_aws_reason(
    checker: StackChecker, aws: StubbedSession
) -> None:
    aws.stub("cloudformation").add_client_error("describe_stacks", "AccessDenied", "not authorized", 403)
    assert failed(checker.published_charts()) == "AccessDenied: not authorized"


@pytest.mark.parametrize("missing", ["PublicUrl", "EdgeBucketName"])
def test_an_edge_stack_without_its_outputs_fails(
    checker: StackChecker, aws: StubbedSession, web: Web, missing: str
) -> None:
    outputs = {"PublicUrl": web.url, "EdgeBucketName": EDGE_BUCKET}
    outputs.pop(missing)
    _edge_stack(aws, **outputs)
    assert failed(checker.published_charts()) == (
        f"the edge stack of {STACK!r} has no PublicUrl/EdgeBucketName output"
    )


@pytest.mark.parametrize("empty", ["PublicUrl", "EdgeBucketName"])
def test_an_edge_output_without_a_value_counts_as_missing(
    checker: StackChecker, aws: StubbedSession, web: Web, empty: str
) -> None:
    # OutputValue is optional in DescribeStacks' Output (botocore's CloudFormation model).
    listed = [
        {"OutputKey": key} if key == empty else {"OutputKey": key, "OutputValue": value}
        for key, value in {"PublicUrl": web.url, "EdgeBucketName": EDGE_BUCKET}.items()
    ]
    stack = {"StackName": EDGE, "CreationTime": T0, "StackStatus": "CREATE_COMPLETE", "Outputs": listed}
    aws.stub("cloudformation").add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": EDGE})
    assert (
        failed(checker.published_charts())
        == f"the edge stack of {STACK!r} has no PublicUrl/EdgeBucketName output"
    )


def test_an_edge_stack_without_outputs_fails(checker: StackChecker, aws: StubbedSession) -> None:
    stack = {"StackName": EDGE, "CreationTime": T0, "StackStatus": "CREATE_IN_PROGRESS"}
    aws.stub("cloudformation").add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": EDGE})
    assert (
        failed(checker.published_charts())
        == f"the edge stack of {STACK!r} has no PublicUrl/EdgeBucketName output"
    )
