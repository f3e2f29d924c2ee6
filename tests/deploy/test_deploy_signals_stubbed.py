"""While the stack waits, the service shows a failure: the user is told, may cancel, and hears how it
ended; a wait that runs out of time says what is still running. Where the real reason is logged: the
log groups tried, in order (CloudFormation behind a Stubber; a scripted service watch)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber
from deploy_fakes import (
    STACK,
    FakeClock,
    change,
    event,
    events_page,
    planned_change_set,
    stack_event,
    stack_id,
    stacks,
    stubbed_deployer,
)

from storyanalytics.deploy import Cancelled, DeployError, DeployTimeout, StackEvent
from storyanalytics.deploy.service_logs import last_log_lines, last_service_log_lines, log_group_candidates
from storyanalytics.deploy.watch import ThrottledWatch, WatchSignal

SID = stack_id(STACK)
TEMPLATE = "Resources: {}\n"
SIGNAL = WatchSignal("a task stopped: CannotPullContainerError", ["last app line"])


class Watch:
    """A service that shows SIGNAL on its first look (or never), and says what it is doing."""

    def __init__(self, signal: WatchSignal | None = SIGNAL, progress: str = "0 of 1 tasks running") -> None:
        self.signal = signal
        self._progress = progress

    def poll(self, events: list[StackEvent]) -> WatchSignal | None:
        return self.signal

    def progress(self) -> str:
        return self._progress


def _never_asked(question: str) -> bool:
    raise AssertionError(f"--yes must not ask: {question}")


def _update_starts(stubber: Stubber) -> list[dict[str, Any]]:
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    before = stack_event(STACK, 0, "UPDATE_COMPLETE")
    started = [before, stack_event(STACK, 1, "UPDATE_IN_PROGRESS", "User Initiated")]
    stubber.add_response("describe_stack_events", events_page(before))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stack_events", events_page(*started))
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_IN_PROGRESS"), {"StackName": SID})
    return started


def _update_ends(stubber: Stubber, started: list[dict[str, Any]], final: str) -> None:
    history = [*started, stack_event(STACK, 9, final)]
    stubber.add_response("describe_stack_events", events_page(*history))
    stubber.add_response("describe_stacks", stacks(STACK, final), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*history))


def test_cancelling_an_update_rolls_it_back_and_says_why(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)
    stubber.add_response("cancel_update_stack", {}, {"StackName": SID})
    _update_ends(stubber, started, "UPDATE_ROLLBACK_COMPLETE")
    questions: list[str] = []
    notices: list[str] = []
    with pytest.raises(Cancelled) as caught:
        stubbed_deployer(client).deploy(
            TEMPLATE, {}, {}, confirm=lambda q: questions.append(q) or True, on_notice=notices.append,
            watch=Watch(),
        )  # fmt: skip
    assert str(caught.value) == (
        f"Cancelled: stack {STACK} ended in UPDATE_ROLLBACK_COMPLETE "
        "after a task stopped: CannotPullContainerError."
    )
    assert caught.value.details == ["last app line"]
    assert questions[-1] == "Cancel this deploy now? The update is rolled back to the running version."
    assert notices[:2] == [f"Stack {STACK}: a task stopped: CannotPullContainerError.", "  last app line"]


def test_declining_to_cancel_waits_and_the_failure_names_what_the_service_showed(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)
    _update_ends(stubber, started, "UPDATE_ROLLBACK_COMPLETE")
    answers = iter([True, False])  # apply the changes: yes; cancel: no
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, confirm=lambda q: next(answers), watch=Watch())
    assert str(caught.value).endswith(
        "which keeps running. The service showed first: a task stopped: CannotPullContainerError."
    )
    assert caught.value.details[0] == "last app line"


def test_with_yes_the_signal_is_shown_and_the_deploy_keeps_waiting(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)
    _update_ends(stubber, started, "UPDATE_COMPLETE")
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    notices: list[str] = []
    result = stubbed_deployer(client).deploy(
        TEMPLATE, {}, {}, assume_yes=True, confirm=_never_asked, on_notice=notices.append, watch=Watch()
    )
    assert result.executed and result.status == "UPDATE_COMPLETE"
    assert "Still waiting: CloudFormation rolls the stack back when the service gives up." in notices


class RecordingWatch(Watch):
    """Shows SIGNAL on every look and records the events it was shown."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[list[str]] = []

    def poll(self, events: list[StackEvent]) -> WatchSignal | None:
        self.seen.append([event.status for event in events])
        return self.signal


def test_the_service_signal_is_shown_once_though_the_service_keeps_showing_it(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)
    stubber.add_response("describe_stack_events", events_page(*started))
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_IN_PROGRESS"), {"StackName": SID})
    _update_ends(stubber, started, "UPDATE_COMPLETE")
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    notices: list[str] = []
    watch = RecordingWatch()
    stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, on_notice=notices.append, watch=watch)
    assert notices.count(f"Stack {STACK}: a task stopped: CannotPullContainerError.") == 1
    assert watch.seen == [["UPDATE_IN_PROGRESS"]]  # looked at once, with the events read so far


def test_events_that_arrive_with_the_final_status_are_shown_too(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)
    stubber.add_response("describe_stack_events", events_page(*started))
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"), {"StackName": SID})
    stubber.add_response(
        "describe_stack_events", events_page(*started, stack_event(STACK, 9, "UPDATE_COMPLETE"))
    )
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    seen: list[StackEvent] = []
    stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, on_event=seen.append)
    assert [e.status for e in seen] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]


def test_the_stack_gets_the_whole_time_limit_before_the_wait_times_out(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)  # the change set took 1 s: the stack is first read at 1 s
    for _ in range(2):  # at 2 s (the limit: still in time) and at 3 s
        stubber.add_response("describe_stack_events", events_page(*started))
        stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_IN_PROGRESS"), {"StackName": SID})
    with pytest.raises(DeployTimeout):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, timeout=2)


def test_a_cancel_that_cloudformation_refuses_is_said_and_the_wait_goes_on(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    started = _update_starts(stubber)
    stubber.add_client_error("cancel_update_stack", "ValidationError", "Stack is not in UPDATE_IN_PROGRESS")
    _update_ends(stubber, started, "UPDATE_COMPLETE")
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    notices: list[str] = []
    result = stubbed_deployer(client).deploy(
        TEMPLATE, {}, {}, confirm=lambda q: True, on_notice=notices.append, watch=Watch()
    )
    assert result.executed
    assert (
        "Could not cancel (ValidationError: Stack is not in UPDATE_IN_PROGRESS); "
        "waiting for CloudFormation to finish."
    ) in notices


def _create_never_finishes(stubber: Stubber, running: list[dict[str, Any]], polls: int) -> None:
    stubber.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    planned_change_set(stubber, [change("Add", "Service", "AWS::ECS::ExpressGatewayService")])
    review = stack_event(STACK, 0, "REVIEW_IN_PROGRESS")
    stubber.add_response("describe_stack_events", events_page(review))
    stubber.add_response("execute_change_set", {})
    for _ in range(polls):
        stubber.add_response("describe_stack_events", events_page(review, *running))
        stubber.add_response("describe_stacks", stacks(STACK, "CREATE_IN_PROGRESS"))


def test_timeout_names_the_running_resources_and_the_service_state(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    running = [
        stack_event(STACK, 1, "CREATE_IN_PROGRESS"),
        event(STACK, 2, "Service", "AWS::ECS::ExpressGatewayService", "CREATE_IN_PROGRESS"),
        event(STACK, 3, "Logs", "AWS::Logs::LogGroup", "CREATE_IN_PROGRESS"),
    ]
    _create_never_finishes(stubber, running, polls=2)
    with pytest.raises(DeployTimeout) as caught:
        stubbed_deployer(client).deploy(
            TEMPLATE, {}, {}, assume_yes=True, timeout=1.5, watch=Watch(signal=None)
        )
    assert str(caught.value) == (
        f"Stack {STACK} did not finish in time (it is CREATE_IN_PROGRESS; still in progress: "
        "Service (AWS::ECS::ExpressGatewayService), Logs (AWS::Logs::LogGroup); 0 of 1 tasks running). "
        "CloudFormation keeps working: follow it with "
        f"`story-analytics deploy --aws --watch --stack-name {STACK}`, "
        f"or check it later with `story-analytics check --stack-name {STACK}`."
    )


def test_timeout_with_nothing_named_says_only_the_status(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _create_never_finishes(stubber, [stack_event(STACK, 1, "CREATE_IN_PROGRESS")], polls=2)
    with pytest.raises(DeployTimeout) as caught:
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, timeout=1.5)
    assert str(caught.value).startswith(
        f"Stack {STACK} did not finish in time (it is CREATE_IN_PROGRESS). CloudFormation keeps working"
    )
    assert caught.value.in_progress == []


# --- where the real reason is logged -------------------------------------------------------------------
def _failed(resource_type: str, physical: str) -> StackEvent:
    return StackEvent.from_api(event(STACK, 5, "Service", resource_type, "CREATE_FAILED", "null", physical))


def test_app_runner_groups_come_first_then_the_output_then_the_stack_log_groups(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    stubber.add_response(
        "describe_stacks",
        stacks(STACK, "ROLLBACK_IN_PROGRESS", outputs={"AppUrl": "https://a", "LogGroupName": "/sa/output"}),
        {"StackName": SID},
    )
    arn = "arn:aws:apprunner:us-east-1:123456789012:service/sa/0f1e"
    events = [
        StackEvent.from_api(
            event(STACK, 1, "Logs", "AWS::Logs::LogGroup", "CREATE_COMPLETE", physical="/sa/app")
        ),
        StackEvent.from_api(
            event(STACK, 2, "More", "AWS::Logs::LogGroup", "CREATE_COMPLETE", physical="/sa/more")
        ),
        StackEvent.from_api(event(STACK, 3, "Empty", "AWS::Logs::LogGroup", "CREATE_FAILED")),
    ]
    assert log_group_candidates(client, _failed("AWS::AppRunner::Service", arn), events, SID) == [
        "/aws/apprunner/sa/0f1e/service",
        "/aws/apprunner/sa/0f1e/application",
        "/sa/output",
        "/sa/app",
        "/sa/more",
    ]


@pytest.mark.parametrize(
    ("resource_type", "physical"),
    [
        ("AWS::ECS::ExpressGatewayService", "arn:aws:ecs:us-east-1:123456789012:service/sa/x"),
        ("AWS::AppRunner::Service", ""),  # failed before App Runner gave it an ARN
    ],
)
def test_without_an_app_runner_arn_only_the_stack_log_groups_are_tried(
    cfn: tuple[Any, Stubber], resource_type: str, physical: str
) -> None:
    client, stubber = cfn
    stubber.add_client_error("describe_stacks", "ValidationError", f"Stack with id {SID} does not exist")
    events = [
        StackEvent.from_api(
            event(STACK, 1, "Logs", "AWS::Logs::LogGroup", "CREATE_COMPLETE", physical="/sa/l")
        )
    ]
    assert log_group_candidates(client, _failed(resource_type, physical), events, SID) == ["/sa/l"]


def test_an_output_without_a_value_is_not_a_log_group(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response(
        "describe_stacks", stacks(STACK, "ROLLBACK_IN_PROGRESS", outputs={"LogGroupName": ""})
    )
    assert log_group_candidates(client, _failed("AWS::ECS::ExpressGatewayService", "x"), [], SID) == []


class _Express(ThrottledWatch):
    resource_type = "AWS::ECS::ExpressGatewayService"

    def inspect(self, service_id: str, log_groups: list[str]) -> WatchSignal | None:
        self.state = f"looked at {service_id} with {log_groups}"
        return WatchSignal("seen", [])


def test_a_throttled_watch_waits_for_its_service_then_looks_at_most_every_interval() -> None:
    clock = FakeClock()
    watch = _Express(lambda service: None, interval=10, clock=clock)
    assert watch.progress() == ""  # nothing known before the first look
    assert watch.poll([StackEvent.from_api(stack_event(STACK, 1, "CREATE_IN_PROGRESS"))]) is None
    clock.now = 10
    events = [
        StackEvent.from_api(event(STACK, 2, "Logs", "AWS::Logs::LogGroup", "CREATE_COMPLETE", physical="/g")),
        StackEvent.from_api(
            event(STACK, 3, "Service", "AWS::ECS::ExpressGatewayService", "CREATE_IN_PROGRESS")
        ),
        StackEvent.from_api(
            event(
                STACK, 4, "Service", "AWS::ECS::ExpressGatewayService", "CREATE_IN_PROGRESS", physical="svc"
            )
        ),
    ]
    assert watch.poll(events) == WatchSignal("seen", [])
    assert watch.progress() == "looked at svc with ['/g']"
    clock.now = 19
    assert watch.poll(events) is None  # too soon
    clock.now = 20
    assert watch.poll(events) == WatchSignal("seen", [])


def test_without_a_logs_client_no_log_is_read(cfn: tuple[Any, Stubber]) -> None:
    client, _no_calls = cfn
    failed = _failed("AWS::ECS::ExpressGatewayService", "x")
    assert last_service_log_lines(None, client, failed, [], SID) == ("", [])


def test_log_group_without_streams_has_no_lines(logs: tuple[Any, Stubber]) -> None:
    client, stubber = logs
    stubber.add_response(
        "describe_log_streams",
        {},
        {"logGroupName": "/sa/app", "orderBy": "LastEventTime", "descending": True, "limit": 1},
    )
    assert last_log_lines(client, "/sa/app") == []


def test_log_group_that_cannot_be_read_has_no_lines(logs: tuple[Any, Stubber]) -> None:
    client, stubber = logs
    stubber.add_client_error("describe_log_streams", "ResourceNotFoundException", "gone")
    assert last_log_lines(client, "/sa/app") == []


def test_last_lines_come_from_the_newest_stream_without_empty_events(logs: tuple[Any, Stubber]) -> None:
    client, stubber = logs
    stubber.add_response("describe_log_streams", {"logStreams": [{"logStreamName": "web/9"}]})
    stubber.add_response(
        "get_log_events",
        {"events": [{"message": "booting  \n"}, {"timestamp": 1}, {"message": "crashed"}]},
        {"logGroupName": "/sa/app", "logStreamName": "web/9", "limit": 5, "startFromHead": False},
    )
    assert last_log_lines(client, "/sa/app", limit=5) == ["booting", "crashed"]


def test_log_stream_without_events_has_no_lines(logs: tuple[Any, Stubber]) -> None:
    client, stubber = logs
    stubber.add_response("describe_log_streams", {"logStreams": [{"logStreamName": "web/9"}]})
    stubber.add_response("get_log_events", {})
    assert last_log_lines(client, "/sa/app") == []
