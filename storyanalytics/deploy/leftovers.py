"""What a failed first deploy leaves behind, and how to remove each piece (they are billed until then).

A rolled-back create deletes what it made, except what a DeletionPolicy keeps: CloudFormation reports
those as DELETE_SKIPPED (the ResourceStatus enum of DescribeStackEvents), and the database's Snapshot
policy leaves a final snapshot.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.errors import error_code
from storyanalytics.deploy.events import StackEvent


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    remove: str  # the command that removes it

    def __str__(self) -> str:
        return f"{self.kind} {self.name} (remove it with: {self.remove})"


def find_leftovers(events: list[StackEvent], *, logs: Any, rds: Any, s3: Any) -> list[Leftover]:
    """Kept buckets and log groups that still exist, and snapshots of the database the create made."""
    found: list[Leftover] = []
    skipped = {
        (event.resource_type, event.physical_id) for event in events if event.status == "DELETE_SKIPPED"
    }
    for resource_type, name in sorted(skipped):
        if not name:
            continue
        if resource_type == "AWS::S3::Bucket" and _bucket_exists(s3, name):
            found.append(Leftover("bucket", name, f"aws s3 rb s3://{name} --force"))
        elif resource_type == "AWS::Logs::LogGroup" and _log_group_exists(logs, name):
            found.append(Leftover("log group", name, f"aws logs delete-log-group --log-group-name {name}"))
    databases = {
        event.physical_id
        for event in events
        if event.resource_type == "AWS::RDS::DBInstance" and event.physical_id
    }
    for database in sorted(databases):
        for snapshot in _snapshots(rds, database):
            found.append(
                Leftover(
                    "database snapshot",
                    snapshot,
                    f"aws rds delete-db-snapshot --db-snapshot-identifier {snapshot}",
                )
            )
    return found


def _bucket_exists(s3: Any, name: str) -> bool:
    """Only a 404 means gone: a 403 (no s3:ListBucket) or an outage cannot tell, so the bucket is named.

    HeadBucket answers 200, or a bare 400, 403 or 404 with no body (so the code is the status):
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
    """
    if s3 is None:
        return True  # cannot tell: name it anyway
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        return error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}
    except BotoCoreError:
        return True
    return True


def _log_group_exists(logs: Any, name: str) -> bool:
    if logs is None:
        return True
    try:
        groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
    except (ClientError, BotoCoreError):
        return True
    return any(group.get("logGroupName") == name for group in groups)


def _snapshots(rds: Any, database: str) -> list[str]:
    if rds is None:
        return []
    try:
        snapshots = rds.describe_db_snapshots(DBInstanceIdentifier=database, SnapshotType="manual")
    except (ClientError, BotoCoreError):
        return []
    return [str(item["DBSnapshotIdentifier"]) for item in snapshots.get("DBSnapshots", [])]
