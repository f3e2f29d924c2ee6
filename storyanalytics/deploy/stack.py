"""One CloudFormation stack: reading it, waiting on it with live events, and explaining how it ended.

Shared by the deploy (change sets) and the teardown; clients are injected so tests can point them at
moto or a Stubber.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from storyanalytics.deploy.changeset import ChangeSetPlan
from storyanalytics.deploy.errors import DeployError, DeployTimeout, aws_error_message
from storyanalytics.deploy.events import (
    EventStream,
    StackEvent,
    first_failure,
    is_uninformative,
    still_in_progress,
)
from storyanalytics.deploy.leftovers import Leftover, find_leftovers
from storyanalytics.deploy.service_logs import last_service_log_lines
from storyanalytics.deploy.watch import ServiceWatch, WatchSignal

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

DEFAULT_TIMEOUT_SECONDS = 60 * 60
SERVICE_RESOURCE_TYPES = frozenset({"AWS::ECS::ExpressGatewayService", "AWS::AppRunner::Service"})
STUCK_STATUSES = {
    "ROLLBACK_FAILED": "delete it in the CloudFormation console (retaining the resources it cannot delete)",
    "DELETE_FAILED": "run the destroy command again, or delete it in the CloudFormation console",
    "UPDATE_ROLLBACK_FAILED": "continue its rollback in the CloudFormation console",
}
SUCCESS_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE"})

Confirm = Callable[[str], bool]
Ask = Callable[[str], str]
OnEvent = Callable[[StackEvent], None]
OnChanges = Callable[[ChangeSetPlan], None]
OnNotice = Callable[[str], None]


def ignore(*_args: Any) -> None:
    return None


def outputs_of(stack: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(item["OutputKey"]): str(item.get("OutputValue", "")) for item in stack.get("Outputs", []) or []
    }


class Stack:
    """One stack by name."""

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
        return outputs_of(stack) if stack else {}

    def follow(
        self,
        *,
        on_event: OnEvent | None = None,
        on_notice: OnNotice | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        watch: ServiceWatch | None = None,
    ) -> str:
        """Wait on a stack some earlier run left in progress, as a deploy would; returns its final status."""
        notice = on_notice or ignore
        stack = self.describe()
        if stack is None:
            raise DeployError(f"There is no stack named {self.stack_name}: nothing to watch.")
        status = str(stack.get("StackStatus", ""))
        if not status.endswith("_IN_PROGRESS"):
            notice(f"Stack {self.stack_name} is {status}: nothing is in progress.")
            return status
        stack_id = str(stack["StackId"])
        notice(f"Stack {self.stack_name} is {status}: following it.")
        stream = EventStream(self.cloudformation, stack_id)
        stream.start(remember=True)

        def on_signal(signal: WatchSignal) -> None:
            notice(f"Stack {self.stack_name}: {signal.cause}.")
            for line in signal.details:
                notice(f"  {line}")

        deadline = self._clock() + timeout
        final = self._wait_stack(stack_id, stream, on_event, deadline, watch=watch, on_signal=on_signal)
        if final not in SUCCESS_STATUSES or (final == "DELETE_COMPLETE" and status.startswith("CREATE")):
            raise self._failure(stream.events, final, stack_id, created=status.startswith("CREATE"))
        return final

    # --- waiting and failures --------------------------------------------------------------------------
    def _wait_stack(
        self,
        stack_id: str,
        stream: EventStream,
        on_event: OnEvent | None,
        deadline: float,
        *,
        watch: ServiceWatch | None = None,
        on_signal: Callable[[WatchSignal], None] | None = None,
    ) -> str:
        """Stream new events until the stack leaves *_IN_PROGRESS; returns the final status.

        `watch` looks at the service itself meanwhile (its tasks or operations), because the stack alone
        can sit in CREATE_IN_PROGRESS for hours while tasks fail; its first real cause goes to on_signal.
        """
        emit = on_event or ignore
        signalled = False
        while True:
            for event in stream.poll():
                emit(event)
            status = self._status(stack_id)
            if not status.endswith("_IN_PROGRESS"):
                for event in stream.poll():
                    emit(event)
                return status
            if watch is not None and not signalled:
                signal = watch.poll(stream.events)
                if signal is not None:
                    signalled = True
                    (on_signal or ignore)(signal)
            if self._clock() > deadline:
                raise self._timeout(status, stream.events, watch)
            self._sleep(self.poll_interval)

    def _timeout(self, status: str, events: list[StackEvent], watch: ServiceWatch | None) -> DeployTimeout:
        running = still_in_progress(events)
        names = [f"{event.logical_id} ({event.resource_type})" for event in running]
        service = watch.progress() if watch is not None else ""
        return DeployTimeout(
            f"Stack {self.stack_name} did not finish in time (it is {status}"
            + (f"; still in progress: {', '.join(names)}" if names else "")
            + (f"; {service}" if service else "")
            + "). CloudFormation keeps working: follow it with `story-analytics deploy --aws --watch "
            f"--stack-name {self.stack_name}`, or check it later with `story-analytics check "
            f"--stack-name {self.stack_name}`.",
            in_progress=names,
        )

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
            group, details = last_service_log_lines(self.logs, self.cloudformation, failed, events, stack_id)
            if details:
                message += f"; the service's log ({group}) ends with: {details[-1]}"
            else:
                message += "; the service's log had no lines to show"
        # A delete that does not complete ends in DELETE_FAILED, one of the stuck states.
        if final in STUCK_STATUSES:
            advice = f"The stack is stuck: {STUCK_STATUSES[final]}."
        elif created:
            advice = (
                "The stack was rolled back; fix the cause and deploy again (the failed stack is replaced)."
            )
            left = self.leftovers(events)
            if left:
                advice += (
                    " Left behind (billed until removed): " + "; ".join(str(item) for item in left) + "."
                )
        else:
            advice = "The stack was rolled back to its previous version, which keeps running."
        return DeployError(f"{message}. {advice}", details=details)

    def leftovers(self, events: list[StackEvent]) -> list[Leftover]:
        """What a rolled-back create did not delete (retained log group, database snapshot...)."""
        return find_leftovers(events, logs=self.logs, rds=self.rds, s3=self.s3)

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
