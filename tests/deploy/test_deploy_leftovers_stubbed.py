"""What a failed first deploy leaves behind (billed until removed), each named with its removal command."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from deploy_fakes import STACK, event

from storyanalytics.deploy.events import StackEvent
from storyanalytics.deploy.leftovers import Leftover, find_leftovers


@pytest.fixture
def aws(
    logs: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> dict[str, tuple[Any, Stubber]]:
    """logs, rds and s3 clients behind Stubbers (conftest); every scripted call must happen."""
    return {"logs": logs, "rds": rds, "s3": s3}


def _skipped(logical: str, resource_type: str, physical: str, status: str = "DELETE_SKIPPED") -> StackEvent:
    return StackEvent.from_api(event(STACK, 1, logical, resource_type, status, physical=physical))


def _find(aws: dict[str, tuple[Any, Stubber]], events: list[StackEvent]) -> list[str]:
    clients = {name: client for name, (client, _) in aws.items()}
    return [str(item) for item in find_leftovers(events, **clients)]


def test_kept_bucket_that_still_exists_is_named_with_its_removal_command(aws: Any) -> None:
    aws["s3"][1].add_response("head_bucket", {}, {"Bucket": "sa-kept"})

    left = _find(aws, [_skipped("DataBucket", "AWS::S3::Bucket", "sa-kept")])

    assert left == ["bucket sa-kept (remove it with: aws s3 rb s3://sa-kept --force)"]


@pytest.mark.parametrize("code", ["404", "NoSuchBucket", "NotFound"])
def test_kept_bucket_already_gone_is_not_named(aws: Any, code: str) -> None:
    aws["s3"][1].add_client_error(
        "head_bucket", code, "Not Found", 404, expected_params={"Bucket": "sa-gone"}
    )

    assert _find(aws, [_skipped("DataBucket", "AWS::S3::Bucket", "sa-gone")]) == []


def test_kept_bucket_these_credentials_cannot_see_is_still_named(aws: Any) -> None:
    aws["s3"][1].add_client_error(
        "head_bucket", "403", "Forbidden", 403, expected_params={"Bucket": "sa-kept"}
    )

    assert _find(aws, [_skipped("DataBucket", "AWS::S3::Bucket", "sa-kept")]) == [
        "bucket sa-kept (remove it with: aws s3 rb s3://sa-kept --force)"
    ]


def test_kept_bucket_is_named_when_s3_cannot_be_reached() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    s3.head_bucket = unreachable  # type: ignore[method-assign]
    left = find_leftovers([_skipped("DataBucket", "AWS::S3::Bucket", "sa-kept")], logs=None, rds=None, s3=s3)

    assert [item.name for item in left] == ["sa-kept"]


def test_kept_log_group_is_named_only_on_an_exact_name_match(aws: Any) -> None:
    groups = {"logGroups": [{"logGroupName": "sa-logs-old"}, {"logGroupName": "sa-logs"}]}
    aws["logs"][1].add_response("describe_log_groups", groups, {"logGroupNamePrefix": "sa-logs"})
    aws["logs"][1].add_response("describe_log_groups", {"logGroups": [{"logGroupName": "sa-other-2"}]})

    left = _find(
        aws,
        [
            _skipped("Logs", "AWS::Logs::LogGroup", "sa-logs"),
            _skipped("Other", "AWS::Logs::LogGroup", "sa-other"),
        ],
    )

    assert left == ["log group sa-logs (remove it with: aws logs delete-log-group --log-group-name sa-logs)"]


def test_kept_log_group_is_named_when_its_lookup_fails(aws: Any) -> None:
    aws["logs"][1].add_client_error("describe_log_groups", "AccessDeniedException", "no", 400)

    left = _find(aws, [_skipped("Logs", "AWS::Logs::LogGroup", "sa-logs")])

    assert left == ["log group sa-logs (remove it with: aws logs delete-log-group --log-group-name sa-logs)"]


def test_final_snapshots_of_the_created_database_are_named(aws: Any) -> None:
    snapshots = {"DBSnapshots": [{"DBSnapshotIdentifier": "sa-final"}, {"DBSnapshotIdentifier": "sa-manual"}]}
    aws["rds"][1].add_response(
        "describe_db_snapshots", snapshots, {"DBInstanceIdentifier": "sa-db", "SnapshotType": "manual"}
    )

    left = _find(aws, [_skipped("Database", "AWS::RDS::DBInstance", "sa-db", status="DELETE_COMPLETE")])

    remove = "remove it with: aws rds delete-db-snapshot --db-snapshot-identifier"
    assert left == [
        f"database snapshot sa-final ({remove} sa-final)",
        f"database snapshot sa-manual ({remove} sa-manual)",
    ]


def test_snapshot_lookup_that_fails_names_no_snapshot(aws: Any) -> None:
    aws["rds"][1].add_client_error("describe_db_snapshots", "DBInstanceNotFound", "gone", 404)

    assert _find(aws, [_skipped("Database", "AWS::RDS::DBInstance", "sa-db", status="CREATE_FAILED")]) == []


def test_resources_deleted_or_without_a_name_are_not_looked_up(aws: Any) -> None:
    events = [
        _skipped("DataBucket", "AWS::S3::Bucket", "sa-deleted", status="DELETE_COMPLETE"),
        _skipped("Logs", "AWS::Logs::LogGroup", ""),
        _skipped("Database", "AWS::RDS::DBInstance", ""),
        _skipped("Queue", "AWS::SQS::Queue", "sa-queue"),
    ]

    assert _find(aws, events) == []  # no call was scripted: any lookup would fail the Stubber


def test_without_clients_kept_resources_are_named_and_snapshots_are_not() -> None:
    events = [
        _skipped("DataBucket", "AWS::S3::Bucket", "sa-kept"),
        _skipped("Logs", "AWS::Logs::LogGroup", "sa-logs"),
        _skipped("Database", "AWS::RDS::DBInstance", "sa-db", status="DELETE_COMPLETE"),
    ]

    left = find_leftovers(events, logs=None, rds=None, s3=None)

    assert left == [
        Leftover("log group", "sa-logs", "aws logs delete-log-group --log-group-name sa-logs"),
        Leftover("bucket", "sa-kept", "aws s3 rb s3://sa-kept --force"),
    ]


def test_log_group_lookup_that_finds_nothing_names_nothing(aws: Any) -> None:
    aws["logs"][1].add_response("describe_log_groups", {})

    assert _find(aws, [_skipped("Logs", "AWS::Logs::LogGroup", "sa-logs")]) == []


def test_database_without_snapshots_names_nothing(aws: Any) -> None:
    aws["rds"][1].add_response("describe_db_snapshots", {})

    assert _find(aws, [_skipped("Database", "AWS::RDS::DBInstance", "sa-db", status="DELETE_COMPLETE")]) == []


def test_a_nameless_kept_resource_does_not_hide_the_named_ones_after_it(aws: Any) -> None:
    aws["logs"][1].add_response("describe_log_groups", {"logGroups": [{"logGroupName": "sa-logs"}]})

    left = _find(
        aws,
        [_skipped("Unnamed", "AWS::Logs::LogGroup", ""), _skipped("Logs", "AWS::Logs::LogGroup", "sa-logs")],
    )

    assert [item.split(" (")[0] for item in left] == ["log group sa-logs"]


class RecordingRds:
    """An RDS client that records which databases' snapshots are asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def describe_db_snapshots(self, **params: str) -> dict[str, Any]:
        self.asked.append(params["DBInstanceIdentifier"])
        return {"DBSnapshots": []}


def test_snapshots_are_looked_up_only_for_the_database_resources() -> None:
    rds = RecordingRds()
    events = [
        _skipped("DataBucket", "AWS::S3::Bucket", "sa-bucket", status="DELETE_COMPLETE"),
        _skipped("Database", "AWS::RDS::DBInstance", "sa-db", status="DELETE_COMPLETE"),
    ]

    find_leftovers(events, logs=None, rds=rds, s3=None)

    assert rds.asked == ["sa-db"]
