"""Every way a deploy can end, and the answer the user gets for it (CloudFormation behind a Stubber).

Terminal stack statuses after a change set runs (success, rolled back, failed, stuck, timed out), the
state a stack is found in before a deploy, and every change-set status.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from botocore.stub import Stubber
from deploy_fakes import (
    STACK,
    TEMPLATE,
    change,
    change_set_id,
    created_change_set,
    described_change_set,
    event,
    events_page,
    failed_deploy,
    planned_change_set,
    stack_event,
    stack_id,
    stack_missing,
    stacks,
    stubbed_deployer,
)

from storyanalytics.deploy import Cancelled, DeployError, DeployTimeout
from storyanalytics.deploy.errors import aws_error_message, error_code
from storyanalytics.deploy.events import StackEvent, first_failure, still_in_progress
from storyanalytics.deploy.stack_deployer import RECREATE_STATUSES, STUCK_STATUSES

SID = stack_id(STACK)
CSID = change_set_id(STACK)
SERVICE_FAILED = event(
    STACK, 3, "Service", "AWS::ECS::ExpressGatewayService", "UPDATE_FAILED", "Port 80 closed"
)


def _update_runs_to(stubber: Stubber, final: str, failed: list[dict[str, Any]]) -> None:
    """An existing healthy stack; its change set runs and the stack ends in `final`."""
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    before = stack_event(STACK, 0, "UPDATE_COMPLETE")
    history = [before, stack_event(STACK, 1, "UPDATE_IN_PROGRESS", "User Initiated"), *failed]
    history.append(stack_event(STACK, 20, final))
    stubber.add_response("describe_stack_events", events_page(before))
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_response("describe_stack_events", events_page(*history))
    stubber.add_response("describe_stacks", stacks(STACK, final), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*history))


def test_update_that_completes_is_reported_as_done_with_the_new_outputs(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _update_runs_to(stubber, "UPDATE_COMPLETE", [])
    stubber.add_response(
        "describe_stacks", stacks(STACK, "UPDATE_COMPLETE", outputs={"AppUrl": "https://new"})
    )
    result = stubbed_deployer(client).deploy(TEMPLATE, {"ImageUri": "repo:2"}, {}, assume_yes=True)
    assert result.executed and not result.no_changes and not result.created
    assert result.status == "UPDATE_COMPLETE"
    assert result.outputs == {"AppUrl": "https://new"}


def test_update_that_rolls_back_is_a_failure_naming_the_cause_and_the_running_version(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    _update_runs_to(stubber, "UPDATE_ROLLBACK_COMPLETE", [SERVICE_FAILED])
    message = failed_deploy(client, {"ImageUri": "repo:2"})
    assert message.startswith(f"Stack {STACK} ended in UPDATE_ROLLBACK_COMPLETE: Service")
    assert "UPDATE_FAILED: Port 80 closed" in message
    assert "rolled back to its previous version, which keeps running" in message


def test_update_whose_rollback_fails_says_the_stack_is_stuck_and_what_to_do(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _update_runs_to(stubber, "UPDATE_ROLLBACK_FAILED", [SERVICE_FAILED])
    message = failed_deploy(client, {"ImageUri": "repo:2"})
    assert "ended in UPDATE_ROLLBACK_FAILED" in message
    assert "stuck: continue its rollback in the CloudFormation console" in message
    assert "which keeps running" not in message


def test_create_whose_rollback_fails_says_to_delete_it_in_the_console(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    planned_change_set(stubber, [change("Add", "Bucket", "AWS::S3::Bucket")])
    review = stack_event(STACK, 0, "REVIEW_IN_PROGRESS")
    history = [
        review,
        event(STACK, 2, "Bucket", "AWS::S3::Bucket", "CREATE_FAILED", "sa-data already exists"),
        stack_event(STACK, 3, "ROLLBACK_FAILED"),
    ]
    stubber.add_response("describe_stack_events", events_page(review))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stack_events", events_page(*history))
    stubber.add_response("describe_stacks", stacks(STACK, "ROLLBACK_FAILED"))
    stubber.add_response("describe_stack_events", events_page(*history))
    message = failed_deploy(client)
    assert "Bucket (AWS::S3::Bucket) CREATE_FAILED: sa-data already exists" in message
    assert "delete it in the CloudFormation console" in message


@pytest.mark.parametrize("status", sorted(STUCK_STATUSES))
def test_stack_found_stuck_is_refused_with_its_way_out(cfn: tuple[Any, Stubber], status: str) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, status))
    assert failed_deploy(client) == f"Stack {STACK} is in {status}: {STUCK_STATUSES[status]}."


@pytest.mark.parametrize(
    "status", ["CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"]
)
def test_stack_found_busy_is_refused_until_it_finishes(cfn: tuple[Any, Stubber], status: str) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, status))
    with pytest.raises(DeployError, match=rf"busy \({status}\): wait until it finishes"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)


@pytest.mark.parametrize("status", sorted(RECREATE_STATUSES))
def test_leftover_stack_is_explained_and_kept_when_the_user_declines(
    cfn: tuple[Any, Stubber], status: str
) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, status))
    notices: list[str] = []
    with pytest.raises(Cancelled, match=f"still in {status}"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, confirm=lambda q: False, on_notice=notices.append)
    assert notices == [
        f"Stack {STACK} is in {status}: {RECREATE_STATUSES[status]}. "
        "It holds nothing to keep, so it must be deleted before it can be created again."
    ]


def test_leftover_stack_whose_delete_fails_is_a_failure_not_a_create(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "ROLLBACK_COMPLETE"))
    old = [stack_event(STACK, 0, "ROLLBACK_COMPLETE")]
    failed = [
        *old,
        event(
            STACK,
            1,
            "Bucket",
            "AWS::S3::Bucket",
            "DELETE_FAILED",
            "The bucket you tried to delete is not empty",
        ),
        stack_event(STACK, 2, "DELETE_FAILED"),
    ]
    stubber.add_response("describe_stack_events", events_page(*old))
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*failed))
    stubber.add_response("describe_stacks", stacks(STACK, "DELETE_FAILED"))
    stubber.add_response("describe_stack_events", events_page(*failed))
    message = failed_deploy(client)
    assert message.startswith(
        f"Stack {STACK} ended in DELETE_FAILED: Bucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you tried "
        "to delete is not empty. The stack is stuck: run the destroy command again"
    )


def test_leftover_stack_delete_is_followed_by_its_id_with_live_events(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "ROLLBACK_COMPLETE"))
    old = [stack_event(STACK, 0, "ROLLBACK_COMPLETE")]
    deleting = [*old, stack_event(STACK, 1, "DELETE_IN_PROGRESS", "User Initiated")]
    deleted = [*deleting, stack_event(STACK, 2, "DELETE_COMPLETE")]
    stubber.add_response("describe_stack_events", events_page(*old), {"StackName": SID})
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleting), {"StackName": SID})
    stubber.add_response("describe_stacks", stacks(STACK, "DELETE_IN_PROGRESS"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleted), {"StackName": SID})
    stubber.add_response("describe_stacks", stacks(STACK, "DELETE_COMPLETE"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleted), {"StackName": SID})
    stubber.add_client_error("create_change_set", "ValidationError", "Template format error")
    seen: list[Any] = []
    with pytest.raises(DeployError, match="Template format error"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, on_event=seen.append)
    assert [e.status for e in seen] == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]


# --- change sets --------------------------------------------------------------------------------------
def test_change_set_that_fails_for_a_real_reason_is_an_error_not_no_changes(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(STACK))
    reason = "Parameter 'Cpu' must be one of AllowedValues"
    stubber.add_response("describe_change_set", described_change_set(STACK, "FAILED", reason=reason))
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CSID})
    assert failed_deploy(client, {"Cpu": "3"}) == (
        f"CloudFormation could not plan the changes for stack {STACK}: {reason}. "
        "Fix the template or parameters and try again."
    )


def test_failed_first_change_set_also_deletes_the_empty_stack_it_left(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_response(
        "describe_change_set", described_change_set(STACK, "FAILED", reason="Template format error")
    )
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    with pytest.raises(DeployError, match=r"could not plan the changes.*Template format error"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)


@pytest.mark.parametrize("status", ["DELETE_COMPLETE", "DELETE_FAILED"])
def test_change_set_deleted_while_waiting_is_an_error_and_nothing_runs(
    existing_stack: tuple[Any, Stubber], status: str
) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_response("describe_change_set", described_change_set(STACK, status))
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CSID})
    with pytest.raises(
        DeployError, match=rf"deleted before it could run \({status}\).*Run the command again"
    ):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)


def test_change_set_refused_at_creation_says_why(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    stubber.add_client_error(
        "create_change_set",
        service_error_code="InsufficientCapabilitiesException",
        service_message="Requires capabilities : [CAPABILITY_NAMED_IAM]",
    )
    assert failed_deploy(client) == (
        f"CloudFormation refused the change set for stack {STACK}: "
        "InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_NAMED_IAM]."
    )


def test_empty_change_set_refused_at_creation_is_no_changes(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    stubber.add_client_error(
        "create_change_set",
        service_error_code="ValidationError",
        service_message="No updates are to be performed.",
    )
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE", outputs={"AppUrl": "https://x"}))
    result = stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)
    assert result.no_changes and not result.executed and result.status == "UPDATE_COMPLETE"
    assert result.change_set_type == "UPDATE"


def test_change_set_deleted_while_waiting_names_the_reason_cloudformation_gave(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_response(
        "describe_change_set", described_change_set(STACK, "DELETE_COMPLETE", reason="Deleted by the owner")
    )
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CSID})
    assert failed_deploy(client) == (
        f"The change set for stack {STACK} was deleted before it could run (DELETE_COMPLETE: Deleted by the "
        "owner): another deploy or a person removed it. Run the command again."
    )


def test_change_set_never_ready_times_out_with_its_status(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(STACK))
    for _ in range(3):
        stubber.add_response("describe_change_set", described_change_set(STACK, "CREATE_IN_PROGRESS"))
    with pytest.raises(DeployTimeout, match="not ready in time \\(still CREATE_IN_PROGRESS\\)"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, timeout=1.5)


def test_change_set_execution_refused_says_why(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    stubber.add_client_error(
        "execute_change_set",
        service_error_code="InvalidChangeSetStatus",
        service_message="ChangeSet is in an invalid state: OBSOLETE",
    )
    assert failed_deploy(client) == (
        f"CloudFormation refused to run the change set for stack {STACK}: "
        "InvalidChangeSetStatus: ChangeSet is in an invalid state: OBSOLETE."
    )


def test_change_set_that_cannot_be_read_while_waiting_is_an_error_with_the_reason(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_client_error("describe_change_set", "ChangeSetNotFound", f"ChangeSet {CSID} does not exist")
    assert failed_deploy(client) == (
        f"Could not read the change set for stack {STACK}: ChangeSetNotFound: ChangeSet {CSID} does not "
        "exist."
    )


def test_changes_that_cannot_be_listed_are_an_error_and_nothing_runs(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_response("describe_change_set", described_change_set(STACK, "CREATE_COMPLETE"))
    stubber.add_client_error("describe_change_set", "Throttling", "Rate exceeded")
    assert failed_deploy(client) == (
        f"Could not read the change set for stack {STACK}: Throttling: Rate exceeded."
    )


def test_events_that_cannot_be_read_while_waiting_are_an_error_with_the_reason(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_client_error("describe_stack_events", "AccessDenied", "not authorized to DescribeStackEvents")
    assert failed_deploy(client) == (
        f"Could not read the events of stack {SID}: AccessDenied: not authorized to DescribeStackEvents."
    )


def test_events_are_read_page_by_page_until_the_last_one_seen(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    before = stack_event(STACK, 0, "UPDATE_COMPLETE")
    began = stack_event(STACK, 1, "UPDATE_IN_PROGRESS", "User Initiated")
    done = stack_event(STACK, 2, "UPDATE_COMPLETE")
    stubber.add_response("describe_stack_events", events_page(before))
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_response(
        "describe_stack_events", {**events_page(done), "NextToken": "page-2"}, {"StackName": SID}
    )
    stubber.add_response(
        "describe_stack_events", events_page(before, began), {"StackName": SID, "NextToken": "page-2"}
    )
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(before, began, done))
    stubber.add_response("describe_stacks", stacks(STACK, "UPDATE_COMPLETE"))
    seen: list[Any] = []
    stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, on_event=seen.append)
    assert [(e.status, e.reason) for e in seen] == [
        ("UPDATE_IN_PROGRESS", "User Initiated"),
        ("UPDATE_COMPLETE", ""),
    ]


def test_stack_that_cannot_be_read_is_an_error_with_the_reason(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_client_error("describe_stacks", "AccessDenied", "not authorized to DescribeStacks")
    assert failed_deploy(client) == (
        f"Could not read stack {STACK}: AccessDenied: not authorized to DescribeStacks."
    )


def test_stack_status_that_cannot_be_read_while_waiting_is_an_error(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    stubber.add_client_error("describe_stacks", "Throttling", "Rate exceeded")
    assert failed_deploy(client) == f"Could not read stack {STACK}: Throttling: Rate exceeded."


@pytest.mark.parametrize("gone", ["no stack listed", "does not exist"])
def test_stack_that_vanishes_while_it_is_deleted_counts_as_deleted(
    existing_stack: tuple[Any, Stubber], gone: str
) -> None:
    client, stubber = existing_stack
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []})
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(stack_event(STACK, 0, "UPDATE_COMPLETE")))
    if gone == "no stack listed":
        stubber.add_response("describe_stacks", {"Stacks": []}, {"StackName": SID})
    else:
        stubber.add_client_error("describe_stacks", "ValidationError", f"Stack with id {SID} does not exist")
    stubber.add_client_error(
        "describe_stack_events", "ValidationError", f"Stack with id {SID} does not exist"
    )
    assert stubbed_deployer(client).destroy(assume_yes=True).existed


def test_dry_run_on_a_leftover_stack_deletes_nothing_and_plans_a_create(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(STACK, "ROLLBACK_COMPLETE"))
    stubber.add_response("create_change_set", created_change_set(STACK))
    stubber.add_response("describe_change_set", described_change_set(STACK, "CREATE_COMPLETE"))
    stubber.add_response("describe_change_set", described_change_set(STACK, "CREATE_COMPLETE"))
    stubber.add_response("delete_change_set", {})
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    notices: list[str] = []
    result = stubbed_deployer(client).deploy(TEMPLATE, {}, {}, dry_run=True, on_notice=notices.append)
    assert result.created and result.change_set_type == "CREATE" and not result.executed
    assert notices == [
        f"Stack {STACK} is in ROLLBACK_COMPLETE: {RECREATE_STATUSES['ROLLBACK_COMPLETE']}. It holds nothing "
        "to "
        "keep, so it must be deleted before it can be created again."
    ]


# --- how the failure reads ---------------------------------------------------------------------------
def _create_rolls_back(stubber: Stubber, failed: list[dict[str, Any]]) -> None:
    stack_missing(stubber)
    planned_change_set(stubber, [change("Add", "Service", "AWS::ECS::ExpressGatewayService")])
    review = stack_event(STACK, 0, "REVIEW_IN_PROGRESS")
    history = [review, *failed, stack_event(STACK, 20, "ROLLBACK_COMPLETE")]
    stubber.add_response("describe_stack_events", events_page(review))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stack_events", events_page(*history))
    stubber.add_response("describe_stacks", stacks(STACK, "ROLLBACK_COMPLETE"))
    stubber.add_response("describe_stack_events", events_page(*history))


ROLLED_BACK = "The stack was rolled back; fix the cause and deploy again (the failed stack is replaced)."


def test_failed_create_reads_as_one_sentence_without_a_doubled_full_stop(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _create_rolls_back(
        stubber, [event(STACK, 2, "Queue", "AWS::SQS::Queue", "CREATE_FAILED", "Access denied.")]
    )
    assert failed_deploy(client) == (
        f"Stack {STACK} ended in ROLLBACK_COMPLETE: Queue (AWS::SQS::Queue) CREATE_FAILED: Access denied. "
        + ROLLED_BACK
    )


def test_failure_reason_keeps_its_last_word_whatever_its_letters(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    reason = "Invalid DB instance class: db.m5.X"
    _create_rolls_back(
        stubber, [event(STACK, 2, "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", reason)]
    )
    assert f"CREATE_FAILED: {reason}. The stack was rolled back" in failed_deploy(client)


def test_failure_without_a_reason_says_so(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _create_rolls_back(stubber, [event(STACK, 2, "Queue", "AWS::SQS::Queue", "CREATE_FAILED")])
    with pytest.raises(
        DeployError, match=r"Queue \(AWS::SQS::Queue\) CREATE_FAILED: no reason given\. The stack"
    ):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)


def test_rollback_with_no_failed_resource_names_only_the_status(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _create_rolls_back(stubber, [])
    assert failed_deploy(client) == f"Stack {STACK} ended in ROLLBACK_COMPLETE. {ROLLED_BACK}"


def test_service_failure_with_no_log_lines_says_the_log_was_empty(
    cfn: tuple[Any, Stubber], logs: tuple[Any, Stubber]
) -> None:
    (client, stubber), (logs_client, _no_log_lines) = cfn, logs
    service = event(STACK, 2, "Service", "AWS::ECS::ExpressGatewayService", "CREATE_FAILED", "null")
    _create_rolls_back(stubber, [service])
    stubber.add_client_error("describe_stacks", "ValidationError", f"Stack with id {SID} does not exist")
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client, logs_client=logs_client).deploy(TEMPLATE, {}, {}, assume_yes=True)
    assert str(caught.value) == (
        f"Stack {STACK} ended in ROLLBACK_COMPLETE: Service (AWS::ECS::ExpressGatewayService) CREATE_FAILED: "
        f"null; the service's log had no lines to show. {ROLLED_BACK}"
    )
    assert caught.value.details == []


def test_failed_create_names_what_it_left_behind(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _create_rolls_back(
        stubber,
        [
            event(STACK, 2, "Queue", "AWS::SQS::Queue", "CREATE_FAILED", "Access denied"),
            event(STACK, 3, "DataBucket", "AWS::S3::Bucket", "DELETE_SKIPPED", physical="sa-kept"),
        ],
    )
    message = failed_deploy(client)
    assert message.endswith(
        f"{ROLLED_BACK} Left behind (billed until removed): "
        "bucket sa-kept (remove it with: aws s3 rb s3://sa-kept --force)."
    )


def test_failed_create_looks_each_leftover_up_and_names_only_what_is_still_there(
    cfn: tuple[Any, Stubber], logs: tuple[Any, Stubber], rds: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (logs_client, logs_stub), (rds_client, rds_stub), (s3_client, s3_stub) = (
        cfn,
        logs,
        rds,
        s3,
    )
    _create_rolls_back(
        stubber,
        [
            event(STACK, 2, "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", "quota", physical="sa-db"),
            event(STACK, 3, "DataBucket", "AWS::S3::Bucket", "DELETE_SKIPPED", physical="sa-gone"),
            event(STACK, 4, "Logs", "AWS::Logs::LogGroup", "DELETE_SKIPPED", physical="sa-logs"),
        ],
    )
    logs_stub.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "sa-logs"}]})
    s3_stub.add_client_error("head_bucket", "404", "Not Found", 404)
    rds_stub.add_response("describe_db_snapshots", {"DBSnapshots": [{"DBSnapshotIdentifier": "sa-final"}]})
    clients = {"logs_client": logs_client, "rds_client": rds_client, "s3_client": s3_client}
    assert failed_deploy(client, **clients).endswith(
        f"{ROLLED_BACK} Left behind (billed until removed): log group sa-logs (remove it with: aws logs "
        "delete-log-group --log-group-name sa-logs); database snapshot sa-final (remove it with: aws rds "
        "delete-db-snapshot --db-snapshot-identifier sa-final)."
    )


def test_a_failure_of_the_stack_alone_is_the_one_named() -> None:
    failed = StackEvent.from_api(stack_event(STACK, 1, "UPDATE_FAILED", "Parameter validation failed"))
    events = [StackEvent.from_api(stack_event(STACK, 0, "UPDATE_IN_PROGRESS", "User Initiated")), failed]
    assert first_failure(events) == failed


def test_a_cancelled_failure_is_never_the_one_named() -> None:
    cancelled = event(STACK, 1, "Queue", "AWS::SQS::Queue", "CREATE_FAILED", "Resource creation cancelled")
    assert first_failure([StackEvent.from_api(cancelled)]) is None


def test_resources_still_in_progress_are_ordered_by_their_latest_event() -> None:
    events = [
        StackEvent.from_api(event(STACK, 1, "Database", "AWS::RDS::DBInstance", "UPDATE_IN_PROGRESS")),
        StackEvent.from_api(
            event(STACK, 2, "Service", "AWS::ECS::ExpressGatewayService", "UPDATE_IN_PROGRESS")
        ),
        StackEvent.from_api(
            event(STACK, 3, "Database", "AWS::RDS::DBInstance", "UPDATE_IN_PROGRESS", "again")
        ),
    ]
    assert [e.logical_id for e in still_in_progress(events)] == ["Service", "Database"]


# --- every AWS SDK error as one sentence (no request ids, no tracebacks) --------------------------------
CREDENTIALS = (
    "no AWS credentials were found: run `aws configure` (or `aws sso login`) or set AWS_PROFILE, "
    "then try again"
)


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (NoCredentialsError(), CREDENTIALS),
        (PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"), CREDENTIALS),
        (NoRegionError(), "no AWS region is set: pass --region (for example --region us-east-1)"),
        (
            EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com/"),
            "could not reach AWS at https://cloudformation.us-east-1.amazonaws.com/: check the network",
        ),
        (
            ClientError({"Error": {"Code": "Throttling", "Message": " Rate exceeded. "}}, "X"),
            "Throttling: Rate exceeded",
        ),
        (ClientError({"Error": {"Code": "AccessDenied", "Message": ""}}, "X"), "AccessDenied"),
        (ClientError({"Error": {"Message": "Oops"}}, "X"), "Error: Oops"),
        (ClientError({}, "X"), "Error"),
        (RuntimeError("first line:\nsecond line"), "first line"),
        (RuntimeError(""), "RuntimeError"),
        (
            ClientError({"Error": {"Code": "ValidationError", "Message": "Unknown class: db.m5.X."}}, "X"),
            "ValidationError: Unknown class: db.m5.X",
        ),
        (RuntimeError("unknown size XX:"), "unknown size XX"),
    ],
    ids=[
        "no-credentials", "partial-credentials", "no-region", "unreachable", "client-error",
        "code-only", "message-only", "empty-response", "other", "other-empty",
        "ends-in-x", "other-ends-in-x",
    ],
)  # fmt: skip
def test_aws_errors_read_as_one_sentence(error: BaseException, sentence: str) -> None:
    assert aws_error_message(error) == sentence


def test_error_code_of_a_client_error_and_of_anything_else() -> None:
    assert error_code(ClientError({"Error": {"Code": "NoSuchBucket"}}, "X")) == "NoSuchBucket"
    assert error_code(ClientError({}, "X")) == ""
    assert error_code(RuntimeError("NoSuchBucket")) == ""


def test_errors_carry_their_extra_lines() -> None:
    assert DeployError("x").details == []
    assert DeployError("x", details=["a", "b"]).details == ["a", "b"]
    assert DeployTimeout("x").in_progress == []
    assert DeployTimeout("x", in_progress=["Database (AWS::RDS::DBInstance)"]).in_progress == [
        "Database (AWS::RDS::DBInstance)"
    ]
    assert str(DeployTimeout("took too long")) == "took too long"
