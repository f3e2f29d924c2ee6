"""Create, update and delete one CloudFormation stack, always through a change set, with live events.

Why a change set every time: the user sees exactly what will be added, modified, replaced or removed
before anything happens, and an unchanged template is a clean "no changes" instead of an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from storyanalytics.deploy.changeset import ChangeSetPlan, ResourceChange, is_empty_change_set_reason
from storyanalytics.deploy.errors import Cancelled, DeployError, DeployTimeout, aws_error_message, error_code
from storyanalytics.deploy.events import (
    EventStream,
    StackEvent,
    first_failure,
    is_uninformative,
    still_in_progress,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

MAX_TEMPLATE_BODY_BYTES = 51_200
DEFAULT_TIMEOUT_SECONDS = 60 * 60
SERVICE_RESOURCE_TYPES = frozenset({"AWS::ECS::ExpressGatewayService", "AWS::AppRunner::Service"})
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
SUCCESS_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE"})
# A stack in one of these states holds nothing worth keeping: it is deleted (after asking) and created anew.
RECREATE_STATUSES = {
    "ROLLBACK_COMPLETE": "its first creation failed and was rolled back",
    "CREATE_FAILED": "its first creation failed",
    "REVIEW_IN_PROGRESS": "an earlier change set was created but never executed",
}
STUCK_STATUSES = {
    "ROLLBACK_FAILED": "delete it in the CloudFormation console (retaining the resources it cannot delete)",
    "DELETE_FAILED": "run the destroy command again, or delete it in the CloudFormation console",
    "UPDATE_ROLLBACK_FAILED": "continue its rollback in the CloudFormation console",
}
LOG_LINES = 20

Confirm = Callable[[str], bool]
Ask = Callable[[str], str]
OnEvent = Callable[[StackEvent], None]
OnChanges = Callable[[ChangeSetPlan], None]
OnNotice = Callable[[str], None]


class _NoChanges(Exception):
    """The template and parameters match the stack: nothing to do."""


def _ignore(*_args: Any) -> None:
    return None


@dataclass
class DeployResult:
    status: str
    outputs: dict[str, str]
    changes: list[ResourceChange] = field(default_factory=list)
    no_changes: bool = False
    created: bool = False
    executed: bool = False
    stack_id: str = ""
    change_set_type: str = ""


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


class StackDeployer:
    """One stack. Clients are injected so tests can point them at moto or a Stubber."""

    def __init__(
        self,
        cloudformation_client: CloudFormationClient,
        stack_name: str,
        *,
        s3_client: Any = None,
        logs_client: Any = None,
        rds_client: Any = None,
        poll_interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        termination_protection: bool = True,
    ) -> None:
        self.cloudformation = cloudformation_client
        self.stack_name = stack_name
        self.s3 = s3_client
        self.logs = logs_client
        self.rds = rds_client
        self.poll_interval = poll_interval
        self._sleep = sleep
        self._clock = clock
        self.termination_protection = termination_protection

    # --- reading ---------------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any] | None:
        """The stack, or None when there is none by that name."""
        try:
            stacks = self.cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise DeployError(f"Could not read stack {self.stack_name}: {aws_error_message(exc)}.") from None
        return dict(stacks[0]) if stacks else None

    def outputs(self) -> dict[str, str]:
        stack = self.describe()
        return _outputs(stack) if stack else {}

    # --- deploy ----------------------------------------------------------------------------------------
    def deploy(
        self,
        template_body: str,
        parameters: Mapping[str, str | None],
        tags: Mapping[str, str],
        *,
        assume_yes: bool = False,
        confirm: Confirm | None = None,
        on_event: OnEvent | None = None,
        on_changes: OnChanges | None = None,
        on_notice: OnNotice | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        template_bucket: str | None = None,
        dry_run: bool = False,
    ) -> DeployResult:
        """Create or update the stack through a change set; a `None` parameter keeps its previous value."""
        notice = on_notice or _ignore
        deadline = self._clock() + timeout
        stack = self.describe()
        if stack is not None:
            stack = self._settle_existing(stack, assume_yes, confirm, on_event, notice, deadline, dry_run)
        change_set_type = "CREATE" if stack is None else "UPDATE"
        try:
            plan = self._create_change_set(template_body, parameters, tags, change_set_type, template_bucket)
        except _NoChanges:
            return self._no_changes(change_set_type, notice)
        status, reason = self._wait_change_set(plan.change_set_id, deadline)
        if status == "FAILED":
            self._discard(plan)
            if is_empty_change_set_reason(reason):
                return self._no_changes(change_set_type, notice)
            raise DeployError(
                f"CloudFormation could not plan the changes for stack {self.stack_name}: {reason}. "
                "Fix the template or parameters and try again."
            )
        plan.changes = self._list_changes(plan.change_set_id)
        (on_changes or _ignore)(plan)
        result = DeployResult(
            status="DRY_RUN" if dry_run else "",
            outputs=_outputs(stack) if stack else {},
            changes=plan.changes,
            created=change_set_type == "CREATE",
            stack_id=plan.stack_id,
            change_set_type=change_set_type,
        )
        if dry_run:
            self._discard(plan)
            return result
        if not assume_yes:
            question = f"Apply these {len(plan.changes)} changes to stack {self.stack_name}?"
            if plan.replacements:
                names = ", ".join(change.logical_id for change in plan.replacements)
                question = f"{len(plan.replacements)} resource(s) may be REPLACED ({names}). {question}"
            if confirm is None or not confirm(question):
                self._discard(plan)
                raise Cancelled(f"Cancelled: stack {self.stack_name} was not changed.")
        stream = EventStream(self.cloudformation, plan.stack_id)
        stream.start()
        try:
            self.cloudformation.execute_change_set(ChangeSetName=plan.change_set_id)
        except ClientError as exc:
            raise DeployError(
                f"CloudFormation refused to run the change set for stack {self.stack_name}: "
                f"{aws_error_message(exc)}."
            ) from None
        final = self._wait_stack(plan.stack_id, stream, on_event, deadline)
        if final not in SUCCESS_STATUSES:
            raise self._failure(stream.events, final, plan.stack_id, created=result.created)
        if result.created and self.termination_protection:
            self._set_termination_protection(plan.stack_id, True, notice)
        stack = self.describe() or {}
        result.status = final
        result.outputs = _outputs(stack)
        result.executed = True
        return result

    def _no_changes(self, change_set_type: str, notice: OnNotice) -> DeployResult:
        notice(f"Stack {self.stack_name}: no changes.")
        current = self.describe() or {}
        return DeployResult(
            status=str(current.get("StackStatus", "")),
            outputs=_outputs(current),
            no_changes=True,
            stack_id=str(current.get("StackId", "")),
            change_set_type=change_set_type,
        )

    def _settle_existing(
        self,
        stack: dict[str, Any],
        assume_yes: bool,
        confirm: Confirm | None,
        on_event: OnEvent | None,
        notice: OnNotice,
        deadline: float,
        dry_run: bool,
    ) -> dict[str, Any] | None:
        """Make an existing stack ready for a change set; None means 'create it from scratch'."""
        status = str(stack.get("StackStatus", ""))
        if status in RECREATE_STATUSES:
            explanation = (
                f"Stack {self.stack_name} is in {status}: {RECREATE_STATUSES[status]}. "
                "It holds nothing to keep, so it must be deleted before it can be created again."
            )
            notice(explanation)
            if dry_run:
                return None
            if not assume_yes and (confirm is None or not confirm(f"Delete stack {self.stack_name} now?")):
                raise Cancelled(f"Cancelled: stack {self.stack_name} is still in {status}.")
            stream = EventStream(self.cloudformation, str(stack["StackId"]))
            stream.start()
            self._delete_stack(str(stack["StackId"]))
            final = self._wait_stack(str(stack["StackId"]), stream, on_event, deadline)
            if final != "DELETE_COMPLETE":
                raise self._failure(stream.events, final, str(stack["StackId"]), created=False)
            return None
        if status in STUCK_STATUSES:
            raise DeployError(f"Stack {self.stack_name} is in {status}: {STUCK_STATUSES[status]}.")
        if status.endswith("_IN_PROGRESS"):
            raise DeployError(
                f"Stack {self.stack_name} is busy ({status}): wait until it finishes, then try again."
            )
        return stack

    def _template_args(self, template_body: str, template_bucket: str | None) -> dict[str, str]:
        """Small templates go inline; bigger ones must be uploaded to S3 and passed by URL."""
        body = template_body.encode("utf-8")
        if len(body) <= MAX_TEMPLATE_BODY_BYTES:
            return {"TemplateBody": template_body}
        if not template_bucket or self.s3 is None:
            raise DeployError(
                f"The template for stack {self.stack_name} is {len(body):,} bytes, over CloudFormation's "
                f"{MAX_TEMPLATE_BODY_BYTES:,}-byte limit for inline templates: give an artifacts bucket."
            )
        key = f"cloudformation/{self.stack_name}/{hashlib.sha256(body).hexdigest()[:20]}.yaml"
        try:
            self.s3.put_object(Bucket=template_bucket, Key=key, Body=body, ContentType="text/yaml")
        except (ClientError, BotoCoreError) as exc:
            raise DeployError(
                f"Could not upload the template to bucket {template_bucket}: {aws_error_message(exc)}."
            ) from None
        return {"TemplateURL": s3_object_url(self.s3, template_bucket, key)}

    def _create_change_set(
        self,
        template_body: str,
        parameters: Mapping[str, str | None],
        tags: Mapping[str, str],
        change_set_type: str,
        template_bucket: str | None,
    ) -> ChangeSetPlan:
        api_parameters: list[dict[str, Any]] = []
        for key, value in parameters.items():
            if value is not None:
                api_parameters.append({"ParameterKey": key, "ParameterValue": str(value)})
            elif change_set_type == "UPDATE":
                api_parameters.append({"ParameterKey": key, "UsePreviousValue": True})
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        name = f"{self.stack_name}-{stamp}"[-128:].lstrip("-0123456789") or f"sa-{stamp}"
        try:
            response = self.cloudformation.create_change_set(
                StackName=self.stack_name,
                ChangeSetName=name,
                ChangeSetType=change_set_type,  # type: ignore[arg-type]
                Parameters=api_parameters,  # type: ignore[arg-type]
                Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
                Capabilities=CAPABILITIES,  # type: ignore[arg-type]
                Description="Story Analytics deploy",
                **self._template_args(template_body, template_bucket),  # type: ignore[arg-type]
            )
        except ClientError as exc:
            if is_empty_change_set_reason(aws_error_message(exc)):
                raise _NoChanges from None  # some endpoints refuse an empty change set outright
            raise DeployError(
                f"CloudFormation refused the change set for stack {self.stack_name}: "
                f"{aws_error_message(exc)}."
            ) from None
        return ChangeSetPlan(
            stack_name=self.stack_name,
            change_set_id=response["Id"],
            change_set_type=change_set_type,
            stack_id=response.get("StackId", ""),
        )

    def _wait_change_set(self, change_set_id: str, deadline: float) -> tuple[str, str]:
        """Poll until the change set is ready or failed (the waiter's 30 s delay is too slow for a CLI)."""
        while True:
            described = self.cloudformation.describe_change_set(ChangeSetName=change_set_id)
            status = str(described.get("Status", ""))
            if status in {"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"}:
                return status, str(described.get("StatusReason") or "")
            if self._clock() > deadline:
                raise DeployTimeout(
                    f"The change set for stack {self.stack_name} was not ready in time (still {status}): "
                    "try again later."
                )
            self._sleep(self.poll_interval)

    def _list_changes(self, change_set_id: str) -> list[ResourceChange]:
        changes: list[ResourceChange] = []
        paginator = self.cloudformation.get_paginator("describe_change_set")
        for page in paginator.paginate(ChangeSetName=change_set_id):
            changes.extend(ResourceChange.from_api(change) for change in page.get("Changes", []))
        return changes

    def _discard(self, plan: ChangeSetPlan) -> None:
        """Delete an unused change set, and the empty shell stack a CREATE change set leaves behind."""
        with contextlib.suppress(ClientError):  # already gone
            self.cloudformation.delete_change_set(ChangeSetName=plan.change_set_id)
        if plan.change_set_type == "CREATE" and plan.stack_id:
            self._delete_stack(plan.stack_id)

    # --- waiting and failures --------------------------------------------------------------------------
    def _wait_stack(
        self, stack_id: str, stream: EventStream, on_event: OnEvent | None, deadline: float
    ) -> str:
        """Stream new events until the stack leaves *_IN_PROGRESS; returns the final status."""
        emit = on_event or _ignore
        while True:
            for event in stream.poll():
                emit(event)
            status = self._status(stack_id)
            if not status.endswith("_IN_PROGRESS"):
                for event in stream.poll():
                    emit(event)
                return status
            if self._clock() > deadline:
                running = still_in_progress(stream.events)
                names = [f"{event.logical_id} ({event.resource_type})" for event in running]
                raise DeployTimeout(
                    f"Stack {self.stack_name} did not finish in time (it is {status}"
                    + (f"; still in progress: {', '.join(names)}" if names else "")
                    + "). CloudFormation keeps working: check the console, then run the command again.",
                    in_progress=names,
                )
            self._sleep(self.poll_interval)

    def _status(self, stack_id: str) -> str:
        try:
            stacks = self.cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return "DELETE_COMPLETE"
            raise DeployError(f"Could not read stack {self.stack_name}: {aws_error_message(exc)}.") from None
        return str(stacks[0].get("StackStatus", "")) if stacks else "DELETE_COMPLETE"

    def _failure(self, events: list[StackEvent], final: str, stack_id: str, *, created: bool) -> DeployError:
        failed = first_failure(events)
        if failed is None:
            message = f"Stack {self.stack_name} ended in {final}"
        else:
            reason = failed.reason or "no reason given"
            message = (
                f"Stack {self.stack_name} ended in {final}: {failed.logical_id} ({failed.resource_type}) "
                f"{failed.status}: {reason.rstrip('.')}"
            )
        details: list[str] = []
        if (
            failed is not None
            and failed.resource_type in SERVICE_RESOURCE_TYPES
            and is_uninformative(failed.reason)
        ):
            group, details = self._service_log_lines(failed, events, stack_id)
            if details:
                message += f"; the service's log ({group}) ends with: {details[-1]}"
            else:
                message += "; the service's log had no lines to show"
        if final.startswith("DELETE"):
            advice = "Fix the cause (often a resource changed by hand), then run the destroy again."
        elif created:
            advice = (
                "The stack was rolled back; fix the cause and deploy again (the failed stack is replaced)."
            )
        else:
            advice = "The stack was rolled back to its previous version, which keeps running."
        return DeployError(f"{message}. {advice}", details=details)

    def _service_log_lines(
        self, failed: StackEvent, events: list[StackEvent], stack_id: str
    ) -> tuple[str, list[str]]:
        """The last lines of the service's CloudWatch logs: where App Runner and ECS write the real reason."""
        if self.logs is None:
            return "", []
        for group in self._log_group_candidates(failed, events, stack_id):
            lines = self._last_log_lines(group)
            if lines:
                return group, lines
        return "", []

    def _log_group_candidates(self, failed: StackEvent, events: list[StackEvent], stack_id: str) -> list[str]:
        candidates: list[str] = []
        arn = failed.physical_id
        if failed.resource_type == "AWS::AppRunner::Service" and ":service/" in arn:
            name_and_id = arn.split(":service/", 1)[1]
            candidates += [
                f"/aws/apprunner/{name_and_id}/service",
                f"/aws/apprunner/{name_and_id}/application",
            ]
        try:
            stack = self.cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
            group = _outputs(dict(stack)).get("LogGroupName")
            if group:
                candidates.append(group)
        except (ClientError, IndexError, KeyError):
            pass
        candidates += [
            event.physical_id
            for event in events
            if event.resource_type == "AWS::Logs::LogGroup" and event.physical_id
        ]
        return list(dict.fromkeys(candidates))

    def _last_log_lines(self, group: str) -> list[str]:
        try:
            streams = self.logs.describe_log_streams(
                logGroupName=group, orderBy="LastEventTime", descending=True, limit=1
            ).get("logStreams", [])
            if not streams:
                return []
            events = self.logs.get_log_events(
                logGroupName=group,
                logStreamName=streams[0]["logStreamName"],
                limit=LOG_LINES,
                startFromHead=False,
            ).get("events", [])
        except (ClientError, BotoCoreError):
            return []
        return [str(event.get("message", "")).rstrip() for event in events if event.get("message")]

    def _set_termination_protection(self, stack_id: str, enabled: bool, notice: OnNotice) -> None:
        """A stack left unprotected (or a protected one that cannot be deleted) is the user's to know."""
        try:
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateTerminationProtection.html
            self.cloudformation.update_termination_protection(
                StackName=stack_id, EnableTerminationProtection=enabled
            )
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            if enabled:
                # https://docs.aws.amazon.com/cli/latest/reference/cloudformation/update-termination-protection.html
                raise DeployError(
                    f"Stack {self.stack_name} was created, but termination protection could not be turned "
                    f"on: {aws_error_message(exc)}. Turn it on with `aws cloudformation "
                    f"update-termination-protection --enable-termination-protection "
                    f"--stack-name {self.stack_name}`."
                ) from None
            raise DeployError(
                f"Could not turn termination protection off for stack {self.stack_name}: "
                f"{aws_error_message(exc)}."
            ) from None
        if enabled:
            notice(f"Termination protection is on for stack {self.stack_name}.")

    def _delete_stack(self, stack_id: str) -> None:
        try:
            self.cloudformation.delete_stack(StackName=stack_id)
        except ClientError as exc:
            raise DeployError(
                f"Could not delete stack {self.stack_name}: {aws_error_message(exc)}."
            ) from None

    # --- destroy ---------------------------------------------------------------------------------------
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
        notice = on_notice or _ignore
        deadline = self._clock() + timeout
        stack = self.describe()
        if stack is None:
            notice(f"There is no stack named {self.stack_name}: nothing to delete.")
            return DestroyResult(self.stack_name, existed=False)
        stack_id = str(stack["StackId"])
        resources = self._resources(stack_id)
        bucket = _outputs(stack).get("BucketName") or resources.get("AWS::S3::Bucket")
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
            typed = (
                ask(f"Type the stack name ({self.stack_name}) to delete it with all its data") if ask else ""
            )
            if typed.strip() != self.stack_name:
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


def _outputs(stack: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(item["OutputKey"]): str(item.get("OutputValue", "")) for item in stack.get("Outputs", []) or []
    }


def s3_object_url(s3_client: Any, bucket: str, key: str) -> str:
    """An https URL CloudFormation can read; path-style for emulators on a custom endpoint."""
    endpoint = str(s3_client.meta.endpoint_url).rstrip("/")
    host = urlsplit(endpoint).netloc
    if host.endswith(("amazonaws.com", "amazonaws.com.cn")):
        return f"https://{bucket}.{host}/{key}"
    return f"{endpoint}/{bucket}/{key}"


def empty_and_delete_bucket(s3_client: Any, bucket: str) -> int:
    """Delete every object version and delete marker, then the bucket; returns how many were deleted."""
    deleted = 0
    try:
        paginator = s3_client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            keys = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            for start in range(0, len(keys), 1000):
                batch = keys[start : start + 1000]
                response = s3_client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                if response.get("Errors"):
                    first = response["Errors"][0]
                    raise DeployError(
                        f"Could not delete {first.get('Key')} from bucket {bucket}: {first.get('Message')}."
                    )
                deleted += len(batch)
        s3_client.delete_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            return deleted
        raise DeployError(f"Could not delete bucket {bucket}: {aws_error_message(exc)}.") from None
    return deleted
