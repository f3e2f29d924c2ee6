"""The edge stack's invalidation function: S3 events of published files in, one CreateInvalidation out."""

from __future__ import annotations

import pytest
from edge_helpers import RecordingCloudFront, s3_event

from storyanalytics.publish import invalidate_function as fn

PAGE = "public/embed/pub_AAAAAAAAAAAAAAAAAAAAAA"
PAGE_PATH = "/embed/pub_AAAAAAAAAAAAAAAAAAAAAA"


@pytest.fixture
def cloudfront(monkeypatch: pytest.MonkeyPatch) -> RecordingCloudFront:
    recording = RecordingCloudFront()
    monkeypatch.setattr(fn, "_cloudfront", [recording.client])
    monkeypatch.setenv("DISTRIBUTION_ID", "E1EDGE")
    return recording


def test_a_republished_page_and_its_png_are_invalidated_in_one_request(
    cloudfront: RecordingCloudFront,
) -> None:
    cloudfront.expect_invalidations(1, paths=[PAGE_PATH, PAGE_PATH + ".png"])
    records = [s3_event(PAGE), s3_event(PAGE + ".png"), s3_event(PAGE)]

    answer = fn.handler({"Records": records}, None)

    assert answer["invalidated"] == [PAGE_PATH, PAGE_PATH + ".png"]
    cloudfront.stubber.assert_no_pending_responses()


def test_new_content_named_files_need_no_invalidation(cloudfront: RecordingCloudFront) -> None:
    records = [s3_event("public/assets/embed-AAAA1111.js"), s3_event("public/data/pub_A/0123abcd.json")]
    assert fn.handler({"Records": records}, None) == {"invalidated": []}
    cloudfront.stubber.assert_no_pending_responses()


def test_a_deleted_payload_is_invalidated_so_an_unpublished_chart_stops_being_readable() -> None:
    assert fn.changed_path("Object Deleted", "public/data/pub_A/0123abcd.json") == "/data/pub_A/0123abcd.json"


def test_old_versions_expired_by_the_lifecycle_rule_invalidate_nothing() -> None:
    assert fn.changed_path("Object Deleted", PAGE, "Lifecycle Expiration") is None
    assert fn.changed_path("Object Deleted", PAGE, "DeleteObject") == PAGE_PATH


def test_files_outside_the_public_prefix_are_ignored() -> None:
    assert fn.changed_path("Object Created", "private/embed/x") is None


def test_a_large_batch_becomes_one_wildcard_path(cloudfront: RecordingCloudFront) -> None:
    cloudfront.expect_invalidations(1, paths=["/*"])
    records = [s3_event(f"public/embed/pub_{n:022d}") for n in range(fn.MOST_PATHS + 1)]
    assert fn.handler({"Records": records}, None) == {"invalidated": ["/*"]}


def test_each_invalidation_has_its_own_caller_reference(cloudfront: RecordingCloudFront) -> None:
    cloudfront.expect_invalidations(2)
    fn.handler({"Records": [s3_event(PAGE)]}, None)
    fn.handler({"Records": [s3_event(PAGE)]}, None)
    references = [call["InvalidationBatch"]["CallerReference"] for call in cloudfront.calls]
    assert len(set(references)) == 2


def test_a_refused_invalidation_fails_the_batch_so_sqs_delivers_it_again(
    cloudfront: RecordingCloudFront,
) -> None:
    cloudfront.stubber.add_client_error(
        "create_invalidation", "TooManyInvalidationsInProgress", http_status_code=400
    )
    with pytest.raises(Exception, match="TooManyInvalidationsInProgress"):
        fn.handler({"Records": [s3_event(PAGE)]}, None)
