"""Delete a stack while keeping the data unless told otherwise: bucket retained, final DB snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.buckets import empty_and_delete_bucket
from storyanalytics.deploy.errors import Cancelled, DeployError, DeployTimeout, aws_error_message, error_code
from storyanalytics.deploy.events import EventStream
from storyanalytics.deploy.stack import (
    DEFAULT_TIMEOUT_SECONDS,
    Ask,
    Confirm,
    OnEvent,
    OnNotice,
    Stack,
    ignore,
    outputs_of,
)


@dataclass
class DestroyResult:
    stack_name: str
    existed: bool = True
    kept_bucket: str | None = None
    deleted_bucket: str | None = None
    db_instance_id: str | None = None
    snapshot_id: str | None = None
    database_deleted_without_snapshot: bool = False

    @property
    def kept(self) -> list[str]:
        """What is still there, in words."""
        kept: list[str] = []
        if self.kept_bucket:
            kept.append(f"bucket {self.kept_bucket} (with every file)")
        if self.snapshot_id:
            kept.append(f"database snapshot {self.snapshot_id}")
        elif self.db_instance_id and not self.database_deleted_without_snapshot:
            kept.append(f"a final snapshot of database {self.db_instance_id} (see RDS > Snapshots)")
        return kept


class StackTeardown(Stack):
    """The destroy half of a stack's life."""

    def destroy(
        self,
        *,
        keep_data: bool = True,
        assume_yes: bool = False,
        confirm: Confirm | None = None,
        ask: Ask | None = None,
        on_event: OnEvent | None = None,
        on_notice: OnNotice | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> DestroyResult:
        """Delete the stack. Data stays (bucket retained, final DB snapshot) unless keep_data=False.

        keep_data=False deletes the database instance with SkipFinalSnapshot through RDS before the stack
        (CloudFormation then finds it gone and moves on), and empties and deletes the retained bucket
        after the stack. Doing it here rather than through a template parameter keeps the template's
        DeletionPolicy fixed and safe: a data-losing delete can only come from this explicit path.
        """
        notice = on_notice or ignore
        deadline = self._clock() + timeout
        stack = self.describe()
        if stack is None:
            notice(f"There is no stack named {self.stack_name}: nothing to delete.")
            return DestroyResult(self.stack_name, existed=False)
        stack_id = str(stack["StackId"])
        resources = self._resources(stack_id)
        bucket = outputs_of(stack).get("BucketName") or resources.get("AWS::S3::Bucket")
        db_instance = resources.get("AWS::RDS::DBInstance")
        if not keep_data and db_instance and self.rds is None:
            raise DeployError("Deleting the data needs an RDS client; nothing was deleted.")
        if not keep_data and bucket and self.s3 is None:
            raise DeployError("Deleting the data needs an S3 client; nothing was deleted.")
        if not assume_yes:
            self._confirm_destroy(bucket, db_instance, keep_data, confirm, ask)
        if stack.get("EnableTerminationProtection"):
            self._set_termination_protection(stack_id, False, notice)
            notice(f"Termination protection is off for stack {self.stack_name}.")
        result = DestroyResult(self.stack_name, db_instance_id=db_instance)
        if not keep_data and db_instance:
            notice(f"Deleting database {db_instance} without a final snapshot (this takes a few minutes).")
            self._delete_database_without_snapshot(db_instance, deadline)
            result.database_deleted_without_snapshot = True
        stream = EventStream(self.cloudformation, stack_id)
        stream.start()
        self._delete_stack(stack_id)
        final = self._wait_stack(stack_id, stream, on_event, deadline)
        if final != "DELETE_COMPLETE":
            raise self._failure(stream.events, final, stack_id, created=False)
        if bucket:
            if keep_data:
                result.kept_bucket = bucket
            else:
                empty_and_delete_bucket(self.s3, bucket)
                result.deleted_bucket = bucket
        if keep_data and db_instance:
            result.snapshot_id = self._final_snapshot(db_instance)
        return result

    def _confirm_destroy(
        self,
        bucket: str | None,
        db_instance: str | None,
        keep_data: bool,
        confirm: Confirm | None,
        ask: Ask | None,
    ) -> None:
        if keep_data:
            kept = []
            if bucket:
                kept.append(f"bucket {bucket} is kept")
            if db_instance:
                kept.append(f"database {db_instance} gets a final snapshot")
            question = f"Delete stack {self.stack_name}?" + (f" ({'; '.join(kept)})" if kept else "")
        else:
            parts = []
            if bucket:
                parts.append(f"bucket {bucket} with every file and version")
            if db_instance:
                parts.append(f"database {db_instance} WITHOUT a final snapshot")
            question = (
                f"Delete stack {self.stack_name} AND ALL ITS DATA"
                + (f" ({'; '.join(parts)})" if parts else "")
                + "? This cannot be undone."
            )
        if confirm is None or not confirm(question):
            raise Cancelled(f"Cancelled: stack {self.stack_name} was not deleted.")
        if not keep_data:
            prompt = f"Type the stack name ({self.stack_name}) to delete it with all its data"
            if ask is None or ask(prompt).strip() != self.stack_name:
                raise Cancelled(
                    f"Cancelled: the typed name did not match {self.stack_name}, so nothing was deleted."
                )

    def _resources(self, stack_id: str) -> dict[str, str]:
        """Physical id of the first resource of each type (bucket, database...)."""
        found: dict[str, str] = {}
        try:
            paginator = self.cloudformation.get_paginator("list_stack_resources")
            for page in paginator.paginate(StackName=stack_id):
                for summary in page.get("StackResourceSummaries", []):
                    physical = summary.get("PhysicalResourceId")
                    if physical and summary["ResourceType"] not in found:
                        found[summary["ResourceType"]] = physical
        except ClientError as exc:
            raise DeployError(
                f"Could not list the resources of stack {self.stack_name}: {aws_error_message(exc)}."
            ) from None
        return found

    def _delete_database_without_snapshot(self, db_instance: str, deadline: float) -> None:
        try:
            described = self.rds.describe_db_instances(DBInstanceIdentifier=db_instance)["DBInstances"]
            if described and described[0].get("DeletionProtection"):
                self.rds.modify_db_instance(
                    DBInstanceIdentifier=db_instance, DeletionProtection=False, ApplyImmediately=True
                )
            self.rds.delete_db_instance(
                DBInstanceIdentifier=db_instance, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        except ClientError as exc:
            if error_code(exc) == "DBInstanceNotFound":
                return
            raise DeployError(
                f"Could not delete database {db_instance}: {aws_error_message(exc)}. "
                "The stack was not deleted."
            ) from None
        while True:
            try:
                self.rds.describe_db_instances(DBInstanceIdentifier=db_instance)
            except ClientError as exc:
                if error_code(exc) == "DBInstanceNotFound":
                    return
                raise DeployError(
                    f"Could not read database {db_instance}: {aws_error_message(exc)}."
                ) from None
            if self._clock() > deadline:
                raise DeployTimeout(
                    f"Database {db_instance} was still being deleted when time ran out: "
                    "run the destroy again in a few minutes."
                )
            self._sleep(self.poll_interval)

    def _final_snapshot(self, db_instance: str) -> str | None:
        """The snapshot CloudFormation took because of DeletionPolicy: Snapshot, when RDS can tell."""
        if self.rds is None:
            return None
        try:
            snapshots = self.rds.describe_db_snapshots(
                DBInstanceIdentifier=db_instance, SnapshotType="manual"
            )["DBSnapshots"]
        except (ClientError, BotoCoreError):
            return None
        if not snapshots:
            return None
        newest = max(snapshots, key=lambda item: str(item.get("SnapshotCreateTime", "")))
        return str(newest["DBSnapshotIdentifier"])
