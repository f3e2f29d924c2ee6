"""Create or update one CloudFormation stack, always through a change set, with live events.

Why a change set every time: the user sees exactly what will be added, modified, replaced or removed
before anything happens, and an unchanged template is a clean "no changes" instead of an error.
Deleting is inherited from StackTeardown; reading and waiting from Stack.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.buckets import s3_object_url
from storyanalytics.deploy.changeset import ChangeSetPlan, ResourceChange, is_empty_change_set_reason
from storyanalytics.deploy.errors import Cancelled, DeployError, DeployTimeout, aws_error_message
from storyanalytics.deploy.events import EventStream
from storyanalytics.deploy.stack import (
    DEFAULT_TIMEOUT_SECONDS,
    STUCK_STATUSES,
    SUCCESS_STATUSES,
    Confirm,
    OnChanges,
    OnEvent,
    OnNotice,
    ignore,
    outputs_of,
)
from storyanalytics.deploy.teardown import DestroyResult, StackTeardown
from storyanalytics.deploy.watch import ServiceWatch, WatchSignal

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "MAX_TEMPLATE_BODY_BYTES",
    "DeployResult",
    "DestroyResult",
    "StackDeployer",
]

MAX_TEMPLATE_BODY_BYTES = 51_200
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
# A stack in one of these states holds nothing worth keeping: it is deleted (after asking) and created anew.
RECREATE_STATUSES = {
    "ROLLBACK_COMPLETE": "its first creation failed and was rolled back",
    "CREATE_FAILED": "its first creation failed",
    "REVIEW_IN_PROGRESS": "an earlier change set was created but never executed",
}


class _NoChanges(Exception):
    """The template and parameters match the stack: nothing to do."""


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


class StackDeployer(StackTeardown):
    """Create, update (and, inherited, destroy) one stack."""

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
        watch: ServiceWatch | None = None,
    ) -> DeployResult:
        """Create or update the stack through a change set; a `None` parameter keeps its previous value."""
        notice = on_notice or ignore
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
        if status != "CREATE_COMPLETE":
            self._discard(plan)
            raise DeployError(
                f"The change set for stack {self.stack_name} was deleted before it could run ({status}"
                + (f": {reason}" if reason else "")
                + "): another deploy or a person removed it. Run the command again."
            )
        plan.changes = self._list_changes(plan.change_set_id)
        (on_changes or ignore)(plan)
        result = DeployResult(
            status="DRY_RUN" if dry_run else "",
            outputs=outputs_of(stack) if stack else {},
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
        signals: list[WatchSignal] = []
        cancelled: list[bool] = []

        def on_signal(signal: WatchSignal) -> None:
            signals.append(signal)
            if self._offer_cancel(signal, plan, assume_yes, confirm, notice):
                cancelled.append(True)

        final = self._wait_stack(plan.stack_id, stream, on_event, deadline, watch=watch, on_signal=on_signal)
        if cancelled:  # an update, rolled back (a creation is never cancelled, see _offer_cancel)
            raise Cancelled(
                f"Cancelled: stack {self.stack_name} ended in {final} after {signals[0].cause}.",
                details=signals[0].details,
            )
        if final not in SUCCESS_STATUSES:
            error = self._failure(stream.events, final, plan.stack_id, created=result.created)
            if signals:
                error = DeployError(
                    f"{error} The service showed first: {signals[0].cause}.",
                    details=[*signals[0].details, *error.details],
                )
            raise error
        if result.created and self.termination_protection:
            self._set_termination_protection(plan.stack_id, True, notice)
        stack = self.describe() or {}
        result.status = final
        result.outputs = outputs_of(stack)
        result.executed = True
        return result

    def _offer_cancel(
        self,
        signal: WatchSignal,
        plan: ChangeSetPlan,
        assume_yes: bool,
        confirm: Confirm | None,
        notice: OnNotice,
    ) -> bool:
        """Say what the service shows; offer to cancel an update, or to stop waiting on a creation."""
        notice(f"Stack {self.stack_name}: {signal.cause}.")
        for line in signal.details:
            notice(f"  {line}")
        if assume_yes or confirm is None:
            notice("Still waiting: CloudFormation rolls the stack back when the service gives up.")
            return False
        if plan.change_set_type != "UPDATE":
            # A creation cannot be cancelled: CancelUpdateStack takes only UPDATE_IN_PROGRESS, and AWS's
            # advice for a stack stuck in CREATE_IN_PROGRESS is to wait for it to time out and roll back:
            # https://repost.aws/knowledge-center/cloudformation-stack-stuck-progress
            if confirm(
                "Stop waiting now? CloudFormation cannot cancel a stack creation: it rolls the new stack "
                "back itself when the service gives up (your data is not touched)."
            ):
                raise Cancelled(
                    f"Stopped waiting: stack {self.stack_name} is still being created ({signal.cause}). "
                    "CloudFormation rolls it back when the service gives up; follow it with "
                    f"`story-analytics deploy --aws --watch --stack-name {self.stack_name}`. The next "
                    "deploy deletes the rolled-back stack and starts again.",
                    details=signal.details,
                )
            return False
        if not confirm("Cancel this deploy now? The update is rolled back to the running version."):
            return False
        try:
            # Only a stack in UPDATE_IN_PROGRESS can be cancelled; it then rolls back:
            # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CancelUpdateStack.html
            self.cloudformation.cancel_update_stack(StackName=plan.stack_id)
        except ClientError as exc:
            notice(f"Could not cancel ({aws_error_message(exc)}); waiting for CloudFormation to finish.")
            return False
        return True

    def _no_changes(self, change_set_type: str, notice: OnNotice) -> DeployResult:
        notice(f"Stack {self.stack_name}: no changes.")
        current = self.describe() or {}
        return DeployResult(
            status=str(current.get("StackStatus", "")),
            outputs=outputs_of(current),
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
            described = self._describe_change_set(change_set_id)
            status = str(described.get("Status", ""))
            if status in {"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"}:
                return status, str(described.get("StatusReason") or "")
            if self._clock() > deadline:
                raise DeployTimeout(
                    f"The change set for stack {self.stack_name} was not ready in time (still {status}): "
                    "try again later."
                )
            self._sleep(self.poll_interval)

    def _describe_change_set(self, change_set_id: str) -> dict[str, Any]:
        """The change set; an AWS error (e.g. ChangeSetNotFound, throttling) becomes a sentence.

        https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html
        """
        try:
            return dict(self.cloudformation.describe_change_set(ChangeSetName=change_set_id))
        except ClientError as exc:
            raise self._change_set_unreadable(exc) from None

    def _change_set_unreadable(self, exc: ClientError) -> DeployError:
        return DeployError(
            f"Could not read the change set for stack {self.stack_name}: {aws_error_message(exc)}."
        )

    def _list_changes(self, change_set_id: str) -> list[ResourceChange]:
        changes: list[ResourceChange] = []
        paginator = self.cloudformation.get_paginator("describe_change_set")
        try:
            for page in paginator.paginate(ChangeSetName=change_set_id):
                changes.extend(ResourceChange.from_api(change) for change in page.get("Changes", []))
        except ClientError as exc:
            raise self._change_set_unreadable(exc) from None
        return changes

    def _discard(self, plan: ChangeSetPlan) -> None:
        """Delete an unused change set, and the empty shell stack a CREATE change set leaves behind."""
        with contextlib.suppress(ClientError):  # already gone
            self.cloudformation.delete_change_set(ChangeSetName=plan.change_set_id)
        if plan.change_set_type == "CREATE" and plan.stack_id:
            self._delete_stack(plan.stack_id)
