"""Emptying a versioned bucket (every version, in batches of 1,000), the template URL CloudFormation
reads, and what a no-change deploy returns (S3 and CloudFormation behind Stubbers)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from deploy_fakes import (
    EMPTY_REASON,
    STACK,
    T0,
    created_change_set,
    described_change_set,
    event,
    stack_id,
    stacks,
    stubbed_deployer,
)

from storyanalytics.deploy import DeployError, StackEvent
from storyanalytics.deploy.buckets import empty_and_delete_bucket, empty_bucket, s3_object_url
from storyanalytics.deploy.stack import outputs_of

BUCKET = "sa-data"


def _versions(count: int) -> list[dict[str, str]]:
    return [{"Key": f"charts/{n:05d}.json", "VersionId": f"v{n}"} for n in range(count)]


def test_a_bucket_of_1001_versions_is_emptied_in_two_batches_then_deleted(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html (up to 1,000 keys per request)
    versions = _versions(1001)
    stubber.add_response("list_object_versions", {"Versions": versions}, {"Bucket": BUCKET})
    for batch in (versions[:1000], versions[1000:]):
        stubber.add_response(
            "delete_objects", {}, {"Bucket": BUCKET, "Delete": {"Objects": batch, "Quiet": True}}
        )
    stubber.add_response("delete_bucket", {}, {"Bucket": BUCKET})
    assert empty_and_delete_bucket(client, BUCKET) == 1001


def test_delete_markers_alone_are_removed_too(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    markers = [{"Key": "uploads/a.csv", "VersionId": "m1"}]
    stubber.add_response("list_object_versions", {"DeleteMarkers": markers}, {"Bucket": BUCKET})
    stubber.add_response(
        "delete_objects", {}, {"Bucket": BUCKET, "Delete": {"Objects": markers, "Quiet": True}}
    )
    assert empty_bucket(client, BUCKET) == 1


def test_counts_add_up_over_pages(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    first, second = _versions(3)[:2], _versions(3)[2:]
    stubber.add_response(
        "list_object_versions",
        {"Versions": first, "IsTruncated": True, "NextKeyMarker": "k", "NextVersionIdMarker": "v"},
    )
    stubber.add_response("delete_objects", {})
    stubber.add_response("list_object_versions", {"Versions": second, "IsTruncated": False})
    stubber.add_response("delete_objects", {})
    assert empty_bucket(client, BUCKET) == 3


def test_a_bucket_already_gone_is_not_an_error(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    stubber.add_client_error(
        "list_object_versions", "NoSuchBucket", "The specified bucket does not exist", 404
    )
    stubber.add_client_error("delete_bucket", "NoSuchBucket", "The specified bucket does not exist", 404)
    assert empty_and_delete_bucket(client, BUCKET) == 0


@pytest.mark.parametrize("step", ["list_object_versions", "delete_bucket"])
def test_a_bucket_that_cannot_be_removed_is_an_error_naming_it(s3: tuple[Any, Stubber], step: str) -> None:
    client, stubber = s3
    if step == "delete_bucket":
        stubber.add_response("list_object_versions", {})
    stubber.add_client_error(step, "AccessDenied", "Access Denied", 403)
    with pytest.raises(
        DeployError, match=rf"^Could not (empty|delete) bucket {BUCKET}: AccessDenied: Access Denied\.$"
    ):
        empty_and_delete_bucket(client, BUCKET)


def test_template_url_is_virtual_hosted_on_aws_and_path_style_on_an_emulator() -> None:
    aws = boto3.client("s3", region_name="eu-west-1")
    emulator = boto3.client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:5000/")
    assert s3_object_url(aws, "b", "t/app.yaml") == "https://b.s3.eu-west-1.amazonaws.com/t/app.yaml"
    assert s3_object_url(emulator, "b", "t/app.yaml") == "http://127.0.0.1:5000/b/t/app.yaml"


def test_template_url_is_virtual_hosted_in_the_china_regions_too() -> None:
    china = boto3.client("s3", region_name="cn-north-1")
    assert s3_object_url(china, "b", "t/app.yaml") == "https://b.s3.cn-north-1.amazonaws.com.cn/t/app.yaml"


def test_outputs_of_a_stack_and_of_none(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE", outputs={"AppUrl": "https://a"}))
    stubber.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    stubber.add_response("describe_stacks", {"Stacks": []})
    deployer = stubbed_deployer(client)
    assert deployer.outputs() == {"AppUrl": "https://a"}
    assert deployer.outputs() == {}
    assert deployer.outputs() == {}


def test_an_output_without_a_value_reads_as_empty() -> None:
    stack = {"Outputs": [{"OutputKey": "AppUrl"}, {"OutputKey": "BucketName", "OutputValue": "sa-data"}]}
    assert outputs_of(stack) == {"AppUrl": "", "BucketName": "sa-data"}


def test_no_changes_returns_the_stack_as_it_is(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_response("describe_change_set", described_change_set(STACK, "FAILED", reason=EMPTY_REASON))
    # The change set is already gone: deleting it fails, and that is fine.
    stubber.add_client_error("delete_change_set", "ChangeSetNotFound", "ChangeSet does not exist", 404)
    stubber.add_response(
        "describe_stacks", stacks(STACK, "UPDATE_ROLLBACK_COMPLETE", outputs={"AppUrl": "https://x"})
    )
    notices: list[str] = []
    result = stubbed_deployer(client).deploy(
        "Resources: {}\n", {}, {}, assume_yes=True, on_notice=notices.append
    )
    assert notices == [f"Stack {STACK}: no changes."]
    assert result.no_changes and not result.executed and not result.created
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.stack_id == stack_id(STACK)
    assert result.change_set_type == "UPDATE"
    assert result.outputs == {"AppUrl": "https://x"}


def test_stack_event_keeps_every_field_cloudformation_gives() -> None:
    item = event(STACK, 1, "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", "quota", physical="sa-db")
    assert StackEvent.from_api(item) == StackEvent(
        "Database-CREATE_FAILED-1", STACK, "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", "quota",
        item["Timestamp"], "sa-db",
    )  # fmt: skip


def test_stack_event_with_only_the_required_fields_reads_as_blank_fields() -> None:
    item = {"StackId": stack_id(STACK), "EventId": "e1", "StackName": STACK, "Timestamp": T0}
    assert StackEvent.from_api(item) == StackEvent("e1", STACK, "", "", "", "", T0, "")
