"""While the stack waits, the service itself is read: the first real cause (a stopped task's reason, a
failed deployment or App Runner operation) reaches the user with the app's last log lines, and the
deploy can be cancelled then. Stubber checks each call against botocore's own service model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from deploy_fakes import (
    STACK,
    T0,
    FakeClock,
    change,
    change_set_id,
    created_change_set,
    described_change_set,
    event,
    events_page,
    failed_follow,
    stack_event,
    stack_id,
    stack_missing,
    stubbed_client,
    stubbed_deployer,
)

from storyanalytics.deploy import Cancelled, DeployError, DeployTimeout, StackDeployer, StackEvent
from storyanalytics.deploy.computes import get_compute
from storyanalytics.deploy.watch import WatchSignal

NAME = STACK  # the stack stubbed_deployer() works on
SERVICE_ARN = f"arn:aws:ecs:us-east-1:123456789012:service/default/{NAME}"
APPRUNNER_ARN = f"arn:aws:apprunner:us-east-1:123456789012:service/{NAME}/8fe1e10304f84fd2b0df550fe98a71fa"
LOG_GROUP = f"{NAME}-LogGroup-abc"


@pytest.fixture
def stubbed() -> Iterator[dict[str, tuple[Any, Stubber]]]:
    with ExitStack() as stack:
        services = ("ecs", "logs", "apprunner", "cloudformation")
        yield {service: stack.enter_context(stubbed_client(service)) for service in services}


def _factory(stubbed: dict[str, tuple[Any, Stubber]]) -> Any:
    return lambda service: stubbed[service][0]


def _service_events() -> list[StackEvent]:
    return [
        StackEvent.from_api(
            event(NAME, 1, "LogGroup", "AWS::Logs::LogGroup", "CREATE_COMPLETE", physical=LOG_GROUP)
        ),
        StackEvent.from_api(
            event(
                NAME,
                2,
                "EcsService",
                "AWS::ECS::ExpressGatewayService",
                "CREATE_IN_PROGRESS",
                physical=SERVICE_ARN,
            )
        ),
    ]


def _express_service(stubber: Stubber, **rollout: str) -> None:
    """The Express service and its one deployment, rolling out unless `rollout` says otherwise."""
    stubber.add_response(
        "describe_express_gateway_service",
        {
            "service": {
                "cluster": "default",
                "serviceName": NAME,
                "serviceArn": SERVICE_ARN,
                "status": {"statusCode": "ACTIVE"},
            }
        },
        {"serviceArn": SERVICE_ARN},
    )
    stubber.add_response(
        "describe_services",
        {
            "services": [
                {
                    "serviceName": NAME,
                    "deployments": [
                        {
                            "id": "ecs-svc/1",
                            "runningCount": 0,
                            "desiredCount": 1,
                            "rolloutState": "IN_PROGRESS",
                            **rollout,
                        }
                    ],
                }
            ]
        },
        {"cluster": "default", "services": [NAME]},
    )


def _stopped_task(stubber: Stubber, reason: str) -> None:
    task_arn = "arn:aws:ecs:us-east-1:123456789012:task/default/0f9e8d7c6b5a"
    stubber.add_response(
        "list_tasks",
        {"taskArns": [task_arn]},
        {"cluster": "default", "serviceName": NAME, "desiredStatus": "STOPPED"},
    )
    stubber.add_response(
        "describe_tasks",
        {
            "tasks": [
                {
                    "taskArn": task_arn,
                    "lastStatus": "STOPPED",
                    "stoppedReason": reason,
                    "stoppedAt": T0 + timedelta(minutes=3),
                    "containers": [{"name": "Main", "exitCode": 1}],
                }
            ]
        },
        {"cluster": "default", "tasks": [task_arn]},
    )


def _app_log(stubber: Stubber, group: str, *lines: str) -> None:
    stubber.add_response(
        "describe_log_streams",
        {"logStreams": [{"logStreamName": "app/Main/0f9e8d7c6b5a"}]},
        {"logGroupName": group, "orderBy": "LastEventTime", "descending": True, "limit": 1},
    )
    stubber.add_response(
        "get_log_events",
        {"events": [{"timestamp": 1, "message": line} for line in lines]},
        {
            "logGroupName": group,
            "logStreamName": "app/Main/0f9e8d7c6b5a",
            "limit": 10,
            "startFromHead": False,
        },
    )


def test_express_stopped_task_reason_and_last_app_lines_are_the_signal(stubbed: Any) -> None:
    _express_service(stubbed["ecs"][1])
    _stopped_task(stubbed["ecs"][1], "Essential container in task exited")
    _app_log(stubbed["logs"][1], LOG_GROUP, "Starting app", "RuntimeError: DB_HOST is not set")
    watch = get_compute("ecs-express").watch(_factory(stubbed), clock=FakeClock())
    assert watch is not None
    signal = watch.poll(_service_events())
    assert signal is not None
    assert "a task stopped: Essential container in task exited" in signal.cause
    assert "Main exited with code 1" in signal.cause and "the app exited" in signal.cause
    assert signal.details[-1] == "RuntimeError: DB_HOST is not set"
    assert watch.progress() == f"service {NAME}: 0 of 1 tasks running"


def test_express_image_pull_failure_points_at_the_vpc_endpoints(stubbed: Any) -> None:
    _express_service(stubbed["ecs"][1])
    _stopped_task(
        stubbed["ecs"][1],
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref",
    )
    _app_log(stubbed["logs"][1], LOG_GROUP)
    watch = get_compute("ecs-express").watch(_factory(stubbed), clock=FakeClock())
    signal = watch.poll(_service_events()) if watch else None
    assert signal is not None and "ecr.api, ecr.dkr and the S3 gateway" in signal.cause


def test_express_failed_deployment_is_the_signal(stubbed: Any) -> None:
    _express_service(
        stubbed["ecs"][1],
        rolloutState="FAILED",
        rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.",
    )
    _app_log(stubbed["logs"][1], LOG_GROUP, "boom")
    watch = get_compute("ecs-express").watch(_factory(stubbed), clock=FakeClock())
    signal = watch.poll(_service_events()) if watch else None
    assert signal is not None and "deployment failed: ECS deployment circuit breaker" in signal.cause


def test_express_service_not_yet_readable_is_no_signal_and_reads_are_throttled(stubbed: Any) -> None:
    stubbed["ecs"][1].add_client_error(
        "describe_express_gateway_service",
        service_error_code="ServiceNotFoundException",
        http_status_code=400,
    )
    clock = FakeClock()
    watch = get_compute("ecs-express").watch(_factory(stubbed), clock=clock)
    assert watch is not None
    assert watch.poll(_service_events()) is None
    assert watch.poll(_service_events()) is None  # within 30 s: no call (the Stubber has none left)
    assert watch.poll([]) is None  # before the stack names the service: nothing to read


def test_apprunner_failed_operation_with_service_log_lines_is_the_signal(stubbed: Any) -> None:
    apprunner = stubbed["apprunner"][1]
    apprunner.add_response(
        "describe_service",
        {
            "Service": {
                "ServiceName": NAME,
                "ServiceId": "8fe1e10304f84fd2b0df550fe98a71fa",
                "ServiceArn": APPRUNNER_ARN,
                "CreatedAt": T0,
                "UpdatedAt": T0,
                "Status": "OPERATION_IN_PROGRESS",
                "SourceConfiguration": {},
                "InstanceConfiguration": {},
                "NetworkConfiguration": {},
                "AutoScalingConfigurationSummary": {},
            }
        },
        {"ServiceArn": APPRUNNER_ARN},
    )
    apprunner.add_response(
        "list_operations",
        {
            "OperationSummaryList": [
                {
                    "Id": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "Type": "CREATE_SERVICE",
                    "Status": "ROLLBACK_IN_PROGRESS",
                }
            ]
        },
        {"ServiceArn": APPRUNNER_ARN},
    )
    service_part = f"{NAME}/8fe1e10304f84fd2b0df550fe98a71fa"
    _app_log(stubbed["logs"][1], f"/aws/apprunner/{service_part}/service", "Health check failed on port 8000")
    _app_log(stubbed["logs"][1], f"/aws/apprunner/{service_part}/application", "Traceback ...")
    events = [
        StackEvent.from_api(
            event(
                NAME,
                2,
                "AppRunnerService",
                "AWS::AppRunner::Service",
                "CREATE_IN_PROGRESS",
                physical=APPRUNNER_ARN,
            )
        )
    ]
    watch = get_compute("apprunner").watch(_factory(stubbed), clock=FakeClock())
    signal = watch.poll(events) if watch else None
    assert signal is not None and "CREATE_SERVICE operation is ROLLBACK_IN_PROGRESS" in signal.cause
    assert signal.details == ["Health check failed on port 8000", "Traceback ..."]


class OneSignal:
    """Stand-in watch: reports one cause on its first poll."""

    def __init__(self) -> None:
        self.polls = 0

    def poll(self, events: list[StackEvent]) -> WatchSignal | None:
        self.polls += 1
        return WatchSignal("a task stopped: CannotPullContainerError", ["last app line"])

    def progress(self) -> str:
        return "0 of 1 tasks running"


def _create_under_way(cfn: Stubber) -> list[dict[str, Any]]:
    """A first deploy: no stack yet, a change set adding the service, run; the stack is being created.
    Returns the stack's events so far."""
    sid = stack_id(NAME)
    stack_missing(cfn, NAME)
    cfn.add_response("create_change_set", created_change_set(NAME))
    added = [change("Add", "EcsService", "AWS::ECS::ExpressGatewayService")]
    cfn.add_response("describe_change_set", described_change_set(NAME, "CREATE_COMPLETE", changes=added))
    cfn.add_response("describe_change_set", described_change_set(NAME, "CREATE_COMPLETE", changes=added))
    review = stack_event(NAME, 0, "REVIEW_IN_PROGRESS", "User Initiated")
    started = [review, stack_event(NAME, 1, "CREATE_IN_PROGRESS", "User Initiated")]
    cfn.add_response("describe_stack_events", events_page(review), {"StackName": sid})
    cfn.add_response("execute_change_set", {}, {"ChangeSetName": change_set_id(NAME)})
    cfn.add_response("describe_stack_events", events_page(*started))
    cfn.add_response("describe_stacks", {"Stacks": [_stack("CREATE_IN_PROGRESS")]}, {"StackName": sid})
    return started


def test_user_can_stop_waiting_on_a_create_when_the_service_shows_a_failure(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    _create_under_way(cfn)
    # no delete_stack: AWS documents no way to cancel a creation (the Stubber fails on any other call)
    questions: list[str] = []
    notices: list[str] = []

    def confirm(question: str) -> bool:
        questions.append(question)
        return True

    with pytest.raises(Cancelled, match=r"Stopped waiting: .* still being created") as caught:
        stubbed_deployer(client).deploy(
            "Resources: {}\n", {}, {}, confirm=confirm, on_notice=notices.append, watch=OneSignal()
        )
    assert questions[-1] == (
        "Stop waiting now? CloudFormation cannot cancel a stack creation: it rolls the new stack back itself "
        "when the service gives up (your data is not touched)."
    )
    assert str(caught.value) == (
        f"Stopped waiting: stack {NAME} is still being created (a task stopped: CannotPullContainerError). "
        "CloudFormation rolls it back when the service gives up; follow it with `story-analytics deploy "
        f"--aws --watch --stack-name {NAME}`. The next deploy deletes the rolled-back stack and starts again."
    )
    assert f"Stack {NAME}: a task stopped: CannotPullContainerError." in notices
    assert caught.value.details == ["last app line"]


def test_declining_to_stop_waiting_on_a_create_waits_for_its_end(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    sid = stack_id(NAME)
    done = [*_create_under_way(cfn), stack_event(NAME, 2, "CREATE_COMPLETE")]
    cfn.add_response("describe_stack_events", events_page(*done))
    cfn.add_response("describe_stacks", {"Stacks": [_stack("CREATE_COMPLETE")]}, {"StackName": sid})
    cfn.add_response("describe_stack_events", events_page(*done))
    cfn.add_response("update_termination_protection", {"StackId": sid})
    cfn.add_response("describe_stacks", {"Stacks": [_stack("CREATE_COMPLETE")]})
    answers = iter([True, False])  # apply the changes: yes; stop waiting: no
    result = stubbed_deployer(client).deploy(
        "Resources: {}\n", {}, {}, confirm=lambda q: next(answers), watch=OneSignal()
    )
    assert result.executed and result.status == "CREATE_COMPLETE"


def _stack(status: str) -> dict[str, Any]:
    return {"StackId": stack_id(NAME), "StackName": NAME, "CreationTime": T0, "StackStatus": status}


def test_watch_follows_a_stack_left_in_progress_to_its_end(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    _follow(cfn, "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE")
    seen: list[StackEvent] = []
    notices: list[str] = []
    assert (
        stubbed_deployer(client).follow(on_event=seen.append, on_notice=notices.append) == "UPDATE_COMPLETE"
    )
    assert [e.status for e in seen] == ["UPDATE_COMPLETE"]
    assert notices == [f"Stack {NAME} is UPDATE_IN_PROGRESS: following it."]


def test_watch_with_nothing_in_progress_says_so(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    cfn.add_response("describe_stacks", {"Stacks": [_stack("UPDATE_COMPLETE")]}, {"StackName": NAME})
    notices: list[str] = []
    assert StackDeployer(client, NAME).follow(on_notice=notices.append) == "UPDATE_COMPLETE"
    assert notices == [f"Stack {NAME} is UPDATE_COMPLETE: nothing is in progress."]


def test_time_limit_names_what_is_in_progress_and_how_to_keep_watching(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    sid = stack_id(NAME)
    began = [
        stack_event(NAME, 1, "UPDATE_IN_PROGRESS", "User Initiated"),
        event(NAME, 2, "EcsService", "AWS::ECS::ExpressGatewayService", "UPDATE_IN_PROGRESS"),
    ]
    cfn.add_response("describe_stacks", {"Stacks": [_stack("UPDATE_IN_PROGRESS")]}, {"StackName": NAME})
    cfn.add_response("describe_stack_events", events_page(*began), {"StackName": sid})
    cfn.add_response("describe_stack_events", events_page(*began))
    cfn.add_response("describe_stacks", {"Stacks": [_stack("UPDATE_IN_PROGRESS")]}, {"StackName": sid})
    with pytest.raises(DeployTimeout) as caught:
        stubbed_deployer(client).follow(timeout=-1, watch=OneSignal())
    message = str(caught.value)
    assert "still in progress: EcsService (AWS::ECS::ExpressGatewayService)" in message
    assert "0 of 1 tasks running" in message
    assert f"story-analytics deploy --aws --watch --stack-name {NAME}" in message
    assert f"story-analytics check --stack-name {NAME}" in message


def _follow(cfn: Stubber, start: str, final: str, *extra: dict[str, Any]) -> None:
    """A stack found in `start`, followed to `final`; `extra` events happen in between."""
    sid = stack_id(NAME)
    began = [stack_event(NAME, 1, start, "User Initiated")]
    done = [*began, *extra, stack_event(NAME, 9, final)]
    cfn.add_response("describe_stacks", {"Stacks": [_stack(start)]}, {"StackName": NAME})
    cfn.add_response("describe_stack_events", events_page(*began), {"StackName": sid})
    cfn.add_response("describe_stack_events", events_page(*done))
    cfn.add_response("describe_stacks", {"Stacks": [_stack(final)]}, {"StackName": sid})
    cfn.add_response("describe_stack_events", events_page(*done))


def test_watch_of_a_missing_stack_says_there_is_nothing_to_watch(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    cfn.add_client_error("describe_stacks", "ValidationError", f"Stack with id {NAME} does not exist")
    assert failed_follow(client) == f"There is no stack named {NAME}: nothing to watch."


def test_watched_create_that_rolls_back_is_a_failure_with_the_cause_and_redeploy_advice(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    failed = event(NAME, 2, "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", "quota exceeded")
    _follow(cfn, "CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE", failed)
    assert failed_follow(client) == (
        f"Stack {NAME} ended in ROLLBACK_COMPLETE: Database (AWS::RDS::DBInstance) CREATE_FAILED: quota "
        "exceeded. The stack was rolled back; fix the cause and deploy again (the failed stack is replaced)."
    )


def test_watched_create_whose_stack_is_then_deleted_is_a_failure(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    _follow(cfn, "CREATE_IN_PROGRESS", "DELETE_COMPLETE")
    with pytest.raises(
        DeployError, match=f"^Stack {NAME} ended in DELETE_COMPLETE. The stack was rolled back; fix"
    ):
        stubbed_deployer(client).follow()


def test_watched_create_whose_service_failed_without_a_reason_shows_its_last_log_line(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    logs, logs_stub = stubbed["logs"]
    failed = event(NAME, 2, "EcsService", "AWS::ECS::ExpressGatewayService", "CREATE_FAILED", "null")
    _follow(cfn, "CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE", failed)
    outputs = {
        **_stack("ROLLBACK_COMPLETE"),
        "Outputs": [{"OutputKey": "LogGroupName", "OutputValue": "/sa/app"}],
    }
    cfn.add_response("describe_stacks", {"Stacks": [outputs]}, {"StackName": stack_id(NAME)})
    logs_stub.add_response("describe_log_streams", {"logStreams": [{"logStreamName": "web/1"}]})
    logs_stub.add_response("get_log_events", {"events": [{"message": "KeyError: 'DATABASE_URL'"}]})
    assert failed_follow(client, logs_client=logs).startswith(
        f"Stack {NAME} ended in ROLLBACK_COMPLETE: EcsService (AWS::ECS::ExpressGatewayService) "
        "CREATE_FAILED: null; the service's log (/sa/app) ends with: KeyError: 'DATABASE_URL'. "
        "The stack was rolled back"
    )


def test_watched_update_that_rolls_back_says_the_previous_version_keeps_running(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    _follow(cfn, "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE")
    assert failed_follow(client) == (
        f"Stack {NAME} ended in UPDATE_ROLLBACK_COMPLETE. The stack was rolled back to its previous version, "
        "which keeps running."
    )


def test_watched_delete_that_completes_is_a_success(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    _follow(cfn, "DELETE_IN_PROGRESS", "DELETE_COMPLETE")
    assert stubbed_deployer(client).follow() == "DELETE_COMPLETE"


def test_watch_shows_the_service_signal_and_its_lines_while_following(stubbed: Any) -> None:
    client, cfn = stubbed["cloudformation"]
    sid = stack_id(NAME)
    began = [stack_event(NAME, 1, "UPDATE_IN_PROGRESS", "User Initiated")]
    cfn.add_response("describe_stacks", {"Stacks": [_stack("UPDATE_IN_PROGRESS")]}, {"StackName": NAME})
    cfn.add_response("describe_stack_events", events_page(*began), {"StackName": sid})
    cfn.add_response("describe_stack_events", events_page(*began))
    cfn.add_response("describe_stacks", {"Stacks": [_stack("UPDATE_IN_PROGRESS")]}, {"StackName": sid})
    done = [*began, stack_event(NAME, 2, "UPDATE_COMPLETE")]
    cfn.add_response("describe_stack_events", events_page(*done))
    cfn.add_response("describe_stacks", {"Stacks": [_stack("UPDATE_COMPLETE")]}, {"StackName": sid})
    cfn.add_response("describe_stack_events", events_page(*done))
    notices: list[str] = []
    assert stubbed_deployer(client).follow(on_notice=notices.append, watch=OneSignal()) == "UPDATE_COMPLETE"
    assert notices[1:] == [f"Stack {NAME}: a task stopped: CannotPullContainerError.", "  last app line"]


def test_cli_watch_goes_alone() -> None:
    from typer.testing import CliRunner

    from storyanalytics.cli import app

    result = CliRunner().invoke(app, ["deploy", "--aws", "--watch", "--update", "--region", "us-east-1"])
    assert result.exit_code == 2 and "--watch only follows what is in progress" in result.output
