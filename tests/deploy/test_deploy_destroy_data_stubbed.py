"""Destroy against a stack that has a database and a bucket: the exact RDS and S3 calls, with and
without --delete-data (CloudFormation, RDS and S3 behind Stubbers: an unexpected call fails the test)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from botocore.stub import Stubber
from deploy_fakes import (
    STACK,
    T0,
    event,
    events_page,
    stack_event,
    stack_id,
    stack_missing,
    stacks,
    stubbed_deployer,
)

from storyanalytics.deploy import Cancelled, DeployError, DeployTimeout, DestroyResult, StackDeployer

SID = stack_id(STACK)
BUCKET = "sa-data"
DB = "sa-db"


@dataclass
class DataStack:
    """What a destroy of a stack with data talks to (CloudFormation, RDS, S3, each behind a Stubber that
    fails an unscripted call), and the deployer on them."""

    cfn: Stubber
    rds: Stubber
    s3: Stubber
    deployer: StackDeployer


@pytest.fixture
def data_stack(cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]) -> DataStack:
    (client, cfn_stubber), (rds_client, rds_stubber), (s3_client, s3_stubber) = cfn, rds, s3
    deployer = stubbed_deployer(client, rds_client=rds_client, s3_client=s3_client)
    return DataStack(cfn_stubber, rds_stubber, s3_stubber, deployer)


def _stack_with_data(cfn: Stubber) -> None:
    cfn.add_response(
        "describe_stacks", stacks(STACK, "UPDATE_COMPLETE", protection=True, outputs={"BucketName": BUCKET})
    )
    cfn.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": kind,
                 "LastUpdatedTimestamp": T0, "ResourceStatus": "CREATE_COMPLETE"}
                for logical, physical, kind in [
                    ("DataBucket", BUCKET, "AWS::S3::Bucket"), ("Database", DB, "AWS::RDS::DBInstance")
                ]
            ]
        },
        {"StackName": SID},
    )  # fmt: skip
    cfn.add_response(
        "update_termination_protection",
        {"StackId": SID},
        {"StackName": SID, "EnableTerminationProtection": False},
    )


def _stack_deleted(cfn: Stubber, final: str = "DELETE_COMPLETE") -> None:
    before = stack_event(STACK, 0, "UPDATE_COMPLETE")
    gone = [before, stack_event(STACK, 1, "DELETE_IN_PROGRESS", "User Initiated")]
    if final != "DELETE_COMPLETE":
        gone.append(event(STACK, 2, "Vpc", "AWS::EC2::VPC", "DELETE_FAILED", "has dependencies"))
    gone.append(stack_event(STACK, 3, final))
    cfn.add_response("describe_stack_events", events_page(before))
    cfn.add_response("delete_stack", {}, {"StackName": SID})
    cfn.add_response("describe_stack_events", events_page(*gone))
    cfn.add_response("describe_stacks", stacks(STACK, final), {"StackName": SID})
    cfn.add_response("describe_stack_events", events_page(*gone))


def _database_deleted_without_snapshot(rds: Stubber) -> None:
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html
    instance = {"DBInstanceIdentifier": DB, "DeletionProtection": True}
    rds.add_response("describe_db_instances", {"DBInstances": [instance]}, {"DBInstanceIdentifier": DB})
    rds.add_response(
        "modify_db_instance",
        {"DBInstance": instance},
        {"DBInstanceIdentifier": DB, "DeletionProtection": False, "ApplyImmediately": True},
    )
    rds.add_response(
        "delete_db_instance",
        {"DBInstance": {**instance, "DBInstanceStatus": "deleting"}},
        {"DBInstanceIdentifier": DB, "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True},
    )
    rds.add_response(
        "describe_db_instances",
        {"DBInstances": [{**instance, "DBInstanceStatus": "deleting"}]},
        {"DBInstanceIdentifier": DB},
    )
    rds.add_client_error(
        "describe_db_instances",
        service_error_code="DBInstanceNotFound",
        service_message=f"DBInstance {DB} not found.",
        http_status_code=404,
        expected_params={"DBInstanceIdentifier": DB},
    )


def _bucket_emptied_and_deleted(s3: Stubber) -> None:
    versions = {
        "Versions": [
            {"Key": "charts/a.json", "VersionId": "v1"},
            {"Key": "charts/a.json", "VersionId": "v2"},
        ],
        "DeleteMarkers": [{"Key": "uploads/gone.csv", "VersionId": "m1"}],
    }
    s3.add_response("list_object_versions", versions, {"Bucket": BUCKET})
    objects = [
        {"Key": "charts/a.json", "VersionId": "v1"},
        {"Key": "charts/a.json", "VersionId": "v2"},
        {"Key": "uploads/gone.csv", "VersionId": "m1"},
    ]
    s3.add_response(
        "delete_objects",
        {"Deleted": objects},
        {"Bucket": BUCKET, "Delete": {"Objects": objects, "Quiet": True}},
    )
    s3.add_response("delete_bucket", {}, {"Bucket": BUCKET})


def test_destroy_keeps_bucket_and_database_snapshot_and_deletes_no_data(data_stack: DataStack) -> None:
    _stack_with_data(data_stack.cfn)
    _stack_deleted(data_stack.cfn)
    data_stack.rds.add_response(
        "describe_db_snapshots",
        {"DBSnapshots": [
            {"DBSnapshotIdentifier": "older", "SnapshotCreateTime": T0.replace(year=2025)},
            {"DBSnapshotIdentifier": "final", "SnapshotCreateTime": T0},
        ]},
        {"DBInstanceIdentifier": DB, "SnapshotType": "manual"},
    )  # fmt: skip
    result = data_stack.deployer.destroy(assume_yes=True)
    assert result.kept_bucket == BUCKET and result.deleted_bucket is None
    assert result.snapshot_id == "final" and not result.database_deleted_without_snapshot
    assert result.kept == [f"bucket {BUCKET} (with every file)", "database snapshot final"]


def test_destroy_with_delete_data_deletes_database_without_snapshot_then_stack_then_bucket(
    data_stack: DataStack,
) -> None:
    _stack_with_data(data_stack.cfn)
    _database_deleted_without_snapshot(data_stack.rds)
    _stack_deleted(data_stack.cfn)
    _bucket_emptied_and_deleted(data_stack.s3)
    notices: list[str] = []
    result = data_stack.deployer.destroy(keep_data=False, assume_yes=True, on_notice=notices.append)
    assert result.deleted_bucket == BUCKET and result.kept_bucket is None
    assert result.database_deleted_without_snapshot and result.snapshot_id is None
    assert result.kept == []
    assert f"Deleting database {DB} without a final snapshot (this takes a few minutes)." in notices


def test_database_that_cannot_be_deleted_stops_before_the_stack_is_touched(data_stack: DataStack) -> None:
    _stack_with_data(data_stack.cfn)
    data_stack.rds.add_response("describe_db_instances", {"DBInstances": [{"DBInstanceIdentifier": DB}]})
    data_stack.rds.add_client_error(
        "delete_db_instance",
        service_error_code="InvalidDBInstanceState",
        service_message="Instance sa-db is currently creating",
    )
    with pytest.raises(DeployError) as caught:
        data_stack.deployer.destroy(keep_data=False, assume_yes=True)
    assert str(caught.value) == (
        f"Could not delete database {DB}: InvalidDBInstanceState: Instance sa-db is currently creating. "
        "The stack was not deleted."
    )


def test_bucket_object_that_cannot_be_deleted_is_named(data_stack: DataStack) -> None:
    _stack_with_data(data_stack.cfn)
    _database_deleted_without_snapshot(data_stack.rds)
    _stack_deleted(data_stack.cfn)
    data_stack.s3.add_response(
        "list_object_versions", {"Versions": [{"Key": "charts/a.json", "VersionId": "v1"}]}
    )
    data_stack.s3.add_response(
        "delete_objects",
        {
            "Errors": [
                {
                    "Key": "charts/a.json",
                    "VersionId": "v1",
                    "Code": "AccessDenied",
                    "Message": "Access Denied",
                }
            ]
        },
    )
    with pytest.raises(
        DeployError, match=f"Could not delete charts/a.json from bucket {BUCKET}: Access Denied"
    ):
        data_stack.deployer.destroy(keep_data=False, assume_yes=True)


def test_stack_delete_that_fails_keeps_the_bucket_and_says_to_run_destroy_again(
    data_stack: DataStack,
) -> None:
    _stack_with_data(data_stack.cfn)
    _database_deleted_without_snapshot(data_stack.rds)
    _stack_deleted(data_stack.cfn, final="DELETE_FAILED")
    with pytest.raises(DeployError) as caught:
        data_stack.deployer.destroy(keep_data=False, assume_yes=True)
    assert "Vpc (AWS::EC2::VPC) DELETE_FAILED: has dependencies" in str(caught.value)
    assert "run the destroy command again" in str(caught.value)


def test_destroy_of_a_missing_stack_deletes_nothing(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    notices: list[str] = []
    result = stubbed_deployer(client).destroy(keep_data=False, assume_yes=True, on_notice=notices.append)
    assert result == DestroyResult(STACK, existed=False)
    assert notices == [f"There is no stack named {STACK}: nothing to delete."]


def _stack_found(cfn: Stubber, *, with_data: bool) -> None:
    outputs = {"BucketName": BUCKET} if with_data else None
    cfn.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE", outputs=outputs))
    summaries = [
        {"LogicalResourceId": "Database", "PhysicalResourceId": DB, "ResourceType": "AWS::RDS::DBInstance",
         "LastUpdatedTimestamp": T0, "ResourceStatus": "CREATE_COMPLETE"}
    ] if with_data else []  # fmt: skip
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": summaries})


@pytest.mark.parametrize(
    ("keep_data", "with_data", "question"),
    [
        (True, True, f"Delete stack {STACK}? (bucket {BUCKET} is kept; database {DB} gets a final snapshot)"),
        (True, False, f"Delete stack {STACK}?"),
        (
            False,
            True,
            f"Delete stack {STACK} AND ALL ITS DATA (bucket {BUCKET} with every file and version; "
            f"database {DB} WITHOUT a final snapshot)? This cannot be undone.",
        ),
        (False, False, f"Delete stack {STACK} AND ALL ITS DATA? This cannot be undone."),
    ],
    ids=["keep-data", "keep-nothing-to-keep", "delete-data", "delete-nothing-there"],
)
def test_destroy_asks_a_question_that_names_what_happens_to_the_data(
    data_stack: DataStack, keep_data: bool, with_data: bool, question: str
) -> None:
    _stack_found(data_stack.cfn, with_data=with_data)
    asked: list[str] = []
    with pytest.raises(Cancelled, match=f"Cancelled: stack {STACK} was not deleted."):
        data_stack.deployer.destroy(keep_data=keep_data, confirm=lambda q: asked.append(q) or False)
    assert asked == [question]


def test_delete_data_asks_for_the_typed_name_after_the_question(data_stack: DataStack) -> None:
    _stack_found(data_stack.cfn, with_data=True)
    prompts: list[str] = []
    with pytest.raises(Cancelled, match="the typed name did not match"):
        data_stack.deployer.destroy(
            keep_data=False, confirm=lambda q: True, ask=lambda p: prompts.append(p) or f" {STACK}x "
        )
    assert prompts == [f"Type the stack name ({STACK}) to delete it with all its data"]


def test_delete_data_without_a_way_to_type_the_name_is_cancelled(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (rds_client, _no_rds_calls), (s3_client, _no_s3_calls) = cfn, rds, s3
    _stack_found(stubber, with_data=True)
    with pytest.raises(Cancelled, match="the typed name did not match"):
        stubbed_deployer(client, rds_client=rds_client, s3_client=s3_client).destroy(
            keep_data=False, confirm=lambda q: True, ask=None
        )


def _stack_with_data_deleted(cfn: Stubber, s3: Stubber) -> None:
    _stack_with_data(cfn)
    _stack_deleted(cfn)
    _bucket_emptied_and_deleted(s3)


def test_delete_data_when_the_database_is_already_gone_deletes_the_stack_and_bucket(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (rds_client, rds_stubber), (s3_client, s3_stubber) = cfn, rds, s3
    rds_stubber.add_client_error(
        "describe_db_instances", "DBInstanceNotFound", f"DBInstance {DB} not found.", 404
    )
    _stack_with_data_deleted(stubber, s3_stubber)

    result = stubbed_deployer(client, rds_client=rds_client, s3_client=s3_client).destroy(
        keep_data=False, assume_yes=True
    )

    assert result.deleted_bucket == BUCKET and result.database_deleted_without_snapshot


def _database_deleting(rds: Stubber, polls: int) -> None:
    instance = {"DBInstanceIdentifier": DB, "DeletionProtection": False}
    rds.add_response("describe_db_instances", {"DBInstances": [instance]}, {"DBInstanceIdentifier": DB})
    rds.add_response("delete_db_instance", {"DBInstance": {**instance, "DBInstanceStatus": "deleting"}})
    for _ in range(polls):
        rds.add_response(
            "describe_db_instances", {"DBInstances": [{**instance, "DBInstanceStatus": "deleting"}]}
        )


def test_database_that_cannot_be_read_while_it_is_deleted_stops_the_destroy(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (rds_client, rds_stubber), (s3_client, _no_s3_calls) = cfn, rds, s3
    _stack_with_data(stubber)
    _database_deleting(rds_stubber, polls=0)
    rds_stubber.add_client_error("describe_db_instances", "Throttling", "Rate exceeded", 400)

    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client, rds_client=rds_client, s3_client=s3_client).destroy(
            keep_data=False, assume_yes=True
        )

    assert str(caught.value) == f"Could not read database {DB}: Throttling: Rate exceeded."


def test_database_still_deleting_when_time_runs_out_says_to_run_destroy_again(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (rds_client, rds_stubber), (s3_client, _no_s3_calls) = cfn, rds, s3
    _stack_with_data(stubber)
    # The fake clock moves 1 s per poll: polls at 0, 1, 2 and 3 s; at 3 s the 2 s limit is passed.
    _database_deleting(rds_stubber, polls=4)

    with pytest.raises(DeployTimeout) as caught:
        stubbed_deployer(client, rds_client=rds_client, s3_client=s3_client).destroy(
            keep_data=False, assume_yes=True, timeout=2
        )

    assert str(caught.value) == (
        f"Database {DB} was still being deleted when time ran out: run the destroy again in a few minutes."
    )


def test_final_snapshot_is_the_newest_one_that_has_a_creation_time(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (rds_client, rds_stubber), (s3_client, _no_s3_calls) = cfn, rds, s3
    _stack_with_data(stubber)
    _stack_deleted(stubber)
    rds_stubber.add_response(
        "describe_db_snapshots",
        {"DBSnapshots": [
            {"DBSnapshotIdentifier": "final", "SnapshotCreateTime": T0},
            {"DBSnapshotIdentifier": "still-creating"},
        ]},
    )  # fmt: skip

    result = stubbed_deployer(client, rds_client=rds_client, s3_client=s3_client).destroy(assume_yes=True)

    assert result.snapshot_id == "final"


def _stack_with_resources(cfn: Stubber, summaries: list[tuple[str, str, str]], outputs: Any = None) -> None:
    cfn.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE", outputs=outputs))
    cfn.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": kind,
                 "LastUpdatedTimestamp": T0, "ResourceStatus": "CREATE_COMPLETE"}
                for logical, physical, kind in summaries
            ]
        },
    )  # fmt: skip


@pytest.mark.parametrize(
    ("summaries", "missing"),
    [
        ([("Database", DB, "AWS::RDS::DBInstance")], "an RDS client"),
        ([("DataBucket", BUCKET, "AWS::S3::Bucket")], "an S3 client"),
    ],
    ids=["database", "bucket"],
)
def test_delete_data_without_the_client_to_delete_it_deletes_nothing(
    cfn: tuple[Any, Stubber], summaries: list[tuple[str, str, str]], missing: str
) -> None:
    client, stubber = cfn
    _stack_with_resources(stubber, summaries)
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client).destroy(keep_data=False, assume_yes=True)
    assert str(caught.value) == f"Deleting the data needs {missing}; nothing was deleted."


def test_keeping_the_data_needs_no_rds_client_and_names_the_final_snapshot_to_look_for(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    _stack_with_resources(stubber, [("Database", DB, "AWS::RDS::DBInstance")])
    _stack_deleted(stubber)

    result = stubbed_deployer(client).destroy(assume_yes=True)

    assert result.kept == [f"a final snapshot of database {DB} (see RDS > Snapshots)"]


def test_bucket_without_an_output_is_found_among_the_resources_and_kept(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _stack_with_resources(stubber, [("DataBucket", BUCKET, "AWS::S3::Bucket")])
    _stack_deleted(stubber)

    assert stubbed_deployer(client).destroy(assume_yes=True).kept_bucket == BUCKET


def test_the_first_resource_of_a_type_is_the_one_destroy_handles(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _stack_with_resources(
        stubber, [("DataBucket", BUCKET, "AWS::S3::Bucket"), ("LogsBucket", "sa-logs", "AWS::S3::Bucket")]
    )
    _stack_deleted(stubber)

    assert stubbed_deployer(client).destroy(assume_yes=True).kept_bucket == BUCKET


def test_stack_without_resources_is_deleted_keeping_nothing(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    stubber.add_response("list_stack_resources", {})
    _stack_deleted(stubber)

    result = stubbed_deployer(client).destroy(keep_data=False, assume_yes=True)

    assert result == DestroyResult(STACK)


def test_resources_that_cannot_be_listed_stop_the_destroy(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    stubber.add_client_error("list_stack_resources", "AccessDenied", "not allowed", 403)
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client).destroy(assume_yes=True)
    assert str(caught.value) == f"Could not list the resources of stack {STACK}: AccessDenied: not allowed."


def test_stack_delete_that_cloudformation_refuses_is_an_error_with_its_reason(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []})
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    stubber.add_client_error("delete_stack", "ValidationError", "Stack is in UPDATE_IN_PROGRESS state", 400)
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client).destroy(assume_yes=True)
    assert str(caught.value) == (
        f"Could not delete stack {STACK}: ValidationError: Stack is in UPDATE_IN_PROGRESS state."
    )


@pytest.mark.parametrize("answer", ["error", "none"])
def test_final_snapshot_rds_cannot_name_is_described_in_words(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber], answer: str
) -> None:
    (client, stubber), (rds_client, rds_stubber) = cfn, rds
    _stack_with_resources(stubber, [("Database", DB, "AWS::RDS::DBInstance")])
    _stack_deleted(stubber)
    if answer == "error":
        rds_stubber.add_client_error("describe_db_snapshots", "AccessDenied", "no", 403)
    else:
        rds_stubber.add_response("describe_db_snapshots", {"DBSnapshots": []})

    result = stubbed_deployer(client, rds_client=rds_client).destroy(assume_yes=True)

    assert result.snapshot_id is None
    assert result.kept == [f"a final snapshot of database {DB} (see RDS > Snapshots)"]
