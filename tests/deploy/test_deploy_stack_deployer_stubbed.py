"""StackDeployer against botocore's Stubber: what moto cannot show (per-resource events, failures,
rollbacks, empty change sets, leftover stacks, termination protection, timeouts, log lines)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from deploy_fakes import (
    EMPTY_REASON,
    STACK,
    T0,
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

from storyanalytics.deploy import Cancelled, DeployError, DeployTimeout, StackEvent
from storyanalytics.deploy.changeset import ChangeSetPlan, ResourceChange

NAME = STACK
SID = stack_id(NAME)
CSID = change_set_id(NAME)


def _script_successful_create(stubber: Stubber, *, protection_refused: bool = False) -> None:
    stack_missing(stubber)
    planned_change_set(
        stubber, [change("Add", "Bucket", "AWS::S3::Bucket"), change("Add", "Queue", "AWS::SQS::Queue")]
    )
    review = stack_event(NAME, 0, "REVIEW_IN_PROGRESS", "User Initiated")
    started = [
        review,
        stack_event(NAME, 1, "CREATE_IN_PROGRESS", "User Initiated"),
        event(NAME, 2, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"),
    ]
    finished = [
        *started,
        event(NAME, 3, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", physical="sa-bucket-1"),
        event(NAME, 4, "Queue", "AWS::SQS::Queue", "CREATE_COMPLETE"),
        stack_event(NAME, 5, "CREATE_COMPLETE"),
    ]
    stubber.add_response("describe_stack_events", events_page(review), {"StackName": SID})
    stubber.add_response("execute_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_response("describe_stack_events", events_page(*started))
    stubber.add_response("describe_stacks", stacks(NAME, "CREATE_IN_PROGRESS"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*finished))
    stubber.add_response("describe_stacks", stacks(NAME, "CREATE_COMPLETE"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*finished))
    if protection_refused:
        stubber.add_client_error(
            "update_termination_protection",
            service_error_code="AccessDenied",
            service_message="not authorized to perform: cloudformation:UpdateTerminationProtection",
            http_status_code=403,
        )
        return
    stubber.add_response(
        "update_termination_protection",
        {"StackId": SID},
        {"StackName": SID, "EnableTerminationProtection": True},
    )
    stubber.add_response(
        "describe_stacks", stacks(NAME, "CREATE_COMPLETE", outputs={"BucketName": "sa-bucket-1"})
    )


def test_create_streams_only_new_events_in_order_and_returns_outputs(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _script_successful_create(stubber)
    seen: list[StackEvent] = []
    result = stubbed_deployer(client).deploy(
        TEMPLATE, {}, {"story-analytics:app": NAME}, assume_yes=True, on_event=seen.append
    )
    assert [(e.logical_id, e.status) for e in seen] == [
        (NAME, "CREATE_IN_PROGRESS"),
        ("Bucket", "CREATE_IN_PROGRESS"),
        ("Bucket", "CREATE_COMPLETE"),
        ("Queue", "CREATE_COMPLETE"),
        (NAME, "CREATE_COMPLETE"),
    ]
    assert result.status == "CREATE_COMPLETE"
    assert result.created and result.executed and not result.no_changes
    assert result.outputs == {"BucketName": "sa-bucket-1"}


def test_create_says_termination_protection_is_on(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _script_successful_create(stubber)
    notices: list[str] = []
    stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, on_notice=notices.append)
    assert notices == [f"Termination protection is on for stack {NAME}."]


def test_destroy_that_cannot_turn_protection_off_deletes_nothing_and_says_why(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_COMPLETE", protection=True))
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []})
    stubber.add_client_error("update_termination_protection", "AccessDenied", "not authorized", 403)
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client).destroy(assume_yes=True)
    assert str(caught.value) == (
        f"Could not turn termination protection off for stack {NAME}: AccessDenied: not authorized."
    )


def test_create_fails_loudly_when_termination_protection_cannot_be_turned_on(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    _script_successful_create(stubber, protection_refused=True)
    message = failed_deploy(client)
    assert "was created, but termination protection could not be turned on" in message
    assert "UpdateTerminationProtection" in message
    assert f"--enable-termination-protection --stack-name {NAME}" in message


def test_create_shows_the_change_set_before_executing(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    _script_successful_create(stubber)
    plans: list[ChangeSetPlan] = []
    stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, on_changes=plans.append)
    assert [(c.kind, c.logical_id) for c in plans[0].changes] == [("add", "Bucket"), ("add", "Queue")]
    assert plans[0].change_set_type == "CREATE"


def test_declined_change_set_is_deleted_and_nothing_runs(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    planned_change_set(stubber, [change("Modify", "Database", "AWS::RDS::DBInstance", replacement="True")])
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CSID})
    questions: list[str] = []
    with pytest.raises(Cancelled, match="was not changed"):
        stubbed_deployer(client).deploy(
            TEMPLATE, {"ImageUri": None}, {}, confirm=lambda q: questions.append(q) or False
        )
    assert "REPLACED" in questions[0] and "Database" in questions[0]


def test_replacement_is_flagged_in_theplanned_change_set(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    planned_change_set(
        stubber,
        [
            change("Modify", "Database", "AWS::RDS::DBInstance", replacement="Conditional"),
            change("Modify", "Service", "AWS::ECS::ExpressGatewayService", replacement="False"),
            change("Remove", "Old", "AWS::SQS::Queue"),
        ],
    )
    stubber.add_response("delete_change_set", {})
    plans: list[ChangeSetPlan] = []
    stubbed_deployer(client).deploy(TEMPLATE, {}, {}, dry_run=True, on_changes=plans.append)
    kinds = {c.logical_id: (c.kind, c.may_replace, c.warning) for c in plans[0].changes}
    assert kinds["Database"] == ("modify", True, "MAY BE REPLACED")
    assert kinds["Service"] == ("modify", False, "")
    assert kinds["Old"][0] == "remove"


def test_planned_change_keeps_each_field_cloudformation_gives() -> None:
    described = {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "Database", "PhysicalResourceId": "sa-db",
            "ResourceType": "AWS::RDS::DBInstance", "Replacement": "True", "Scope": ["Properties"],
        },
    }  # fmt: skip
    assert ResourceChange.from_api(described) == ResourceChange(
        "Modify", "Database", "AWS::RDS::DBInstance", "sa-db", "True", ("Properties",)
    )


def test_planned_change_without_resource_details_reads_as_blank_fields() -> None:
    assert ResourceChange.from_api({"Type": "Resource"}) == ResourceChange("", "", "", "", "", ())


def test_dry_run_of_an_update_reports_the_plan_and_the_current_outputs(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_COMPLETE", outputs={"AppUrl": "https://a"}))
    planned_change_set(stubber, [change("Modify", "Service", "AWS::ECS::ExpressGatewayService")])
    stubber.add_response("delete_change_set", {})
    result = stubbed_deployer(client).deploy(TEMPLATE, {}, {}, dry_run=True)
    assert (result.status, result.outputs, result.stack_id, result.change_set_type) == (
        "DRY_RUN",
        {"AppUrl": "https://a"},
        SID,
        "UPDATE",
    )
    assert [c.logical_id for c in result.changes] == ["Service"]
    assert not result.created and not result.executed


def test_dry_run_of_a_create_has_no_outputs_yet(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    planned_change_set(stubber, [change("Add", "Bucket", "AWS::S3::Bucket")])
    stubber.add_response("delete_change_set", {})
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    result = stubbed_deployer(client).deploy(TEMPLATE, {}, {}, dry_run=True)
    assert result.outputs == {} and result.created and result.status == "DRY_RUN"


def test_the_question_counts_the_changes_and_names_every_replacement(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    planned_change_set(
        stubber,
        [
            change("Modify", "Database", "AWS::RDS::DBInstance", replacement="True"),
            change("Modify", "Cache", "AWS::ElastiCache::CacheCluster", replacement="Conditional"),
            change("Add", "Queue", "AWS::SQS::Queue"),
        ],
    )
    stubber.add_response("delete_change_set", {})
    questions: list[str] = []
    with pytest.raises(Cancelled):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, confirm=lambda q: questions.append(q) or False)
    assert questions == [
        f"2 resource(s) may be REPLACED (Database, Cache). Apply these 3 changes to stack {NAME}?"
    ]


def test_the_question_without_replacements_only_counts_the_changes(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    planned_change_set(stubber, [change("Add", "Queue", "AWS::SQS::Queue")])
    stubber.add_response("delete_change_set", {})
    questions: list[str] = []
    with pytest.raises(Cancelled):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, confirm=lambda q: questions.append(q) or False)
    assert questions == [f"Apply these 1 changes to stack {NAME}?"]


def test_empty_change_set_is_deleted_and_reported_as_no_changes(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(NAME))
    stubber.add_response("describe_change_set", described_change_set(NAME, "FAILED", reason=EMPTY_REASON))
    stubber.add_response("delete_change_set", {}, {"ChangeSetName": CSID})
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_COMPLETE", outputs={"AppUrl": "https://x"}))
    notices: list[str] = []
    result = stubbed_deployer(client).deploy(
        TEMPLATE, {"ImageUri": "x"}, {}, assume_yes=True, on_notice=notices.append
    )
    assert result.no_changes and not result.executed
    assert result.outputs == {"AppUrl": "https://x"}
    assert any("no changes" in notice for notice in notices)


def test_update_keeps_unset_parameters_at_their_previous_value(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    stubber.add_response(
        "create_change_set",
        created_change_set(NAME),
        {
            "StackName": NAME,
            "ChangeSetName": ANY,
            "ChangeSetType": "UPDATE",
            "Parameters": [
                {"ParameterKey": "ImageUri", "ParameterValue": "repo:new"},
                {"ParameterKey": "AdminEmail", "UsePreviousValue": True},
            ],
            "Tags": [],
            "Capabilities": ANY,
            "Description": ANY,
            "TemplateBody": TEMPLATE,
        },
    )
    stubber.add_response(
        "describe_change_set", described_change_set(NAME, "FAILED", reason="No updates are to be performed.")
    )
    stubber.add_response("delete_change_set", {})
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_COMPLETE"))
    result = stubbed_deployer(client).deploy(
        TEMPLATE, {"ImageUri": "repo:new", "AdminEmail": None}, {}, assume_yes=True
    )
    assert result.no_changes


def _script_failed_create(
    stubber: Stubber, failed: list[dict[str, Any]], final_status: str = "ROLLBACK_COMPLETE"
) -> None:
    stack_missing(stubber)
    planned_change_set(stubber, [change("Add", "Service", "AWS::AppRunner::Service")])
    review = stack_event(NAME, 0, "REVIEW_IN_PROGRESS", "User Initiated")
    history = [
        review,
        stack_event(NAME, 1, "CREATE_IN_PROGRESS", "User Initiated"),
        *failed,
        stack_event(
            NAME, 20, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Service]."
        ),
        stack_event(NAME, 21, final_status),
    ]
    stubber.add_response("describe_stack_events", events_page(review))
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stack_events", events_page(*history))
    stubber.add_response("describe_stacks", stacks(NAME, final_status), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*history))


def test_failed_create_names_the_first_failed_resource_and_skips_cancellations(
    cfn: tuple[Any, Stubber],
) -> None:
    client, stubber = cfn
    _script_failed_create(
        stubber,
        [
            event(
                NAME, 2, "Database", "AWS::RDS::DBInstance", "CREATE_FAILED", "Resource creation cancelled"
            ),
            event(NAME, 3, "Bucket", "AWS::S3::Bucket", "CREATE_FAILED", "sa-data already exists"),
            event(NAME, 4, "Queue", "AWS::SQS::Queue", "CREATE_FAILED", "Access denied"),
        ],
    )
    message = failed_deploy(client)
    assert "Bucket (AWS::S3::Bucket) CREATE_FAILED: sa-data already exists" in message
    assert "Database" not in message and "Queue" not in message
    assert "rolled back" in message


def test_service_failure_with_null_reason_shows_the_last_log_lines(
    cfn: tuple[Any, Stubber], logs: tuple[Any, Stubber]
) -> None:
    (client, stubber), (logs_client, log_stubber) = cfn, logs
    arn = "arn:aws:apprunner:us-east-1:123456789012:service/story-analytics/0f1e2d3c4b5a"
    _script_failed_create(
        stubber, [event(NAME, 2, "Service", "AWS::AppRunner::Service", "CREATE_FAILED", "null", physical=arn)]
    )
    stubber.add_response("describe_stacks", stacks(NAME, "ROLLBACK_COMPLETE"), {"StackName": SID})
    group = "/aws/apprunner/story-analytics/0f1e2d3c4b5a/service"
    log_stubber.add_response(
        "describe_log_streams",
        {"logStreams": [{"logStreamName": "events", "lastEventTimestamp": 1}]},
        {"logGroupName": group, "orderBy": "LastEventTime", "descending": True, "limit": 1},
    )
    log_stubber.add_response(
        "get_log_events",
        {
            "events": [
                {"timestamp": 1, "message": "Pulling image 123.dkr.ecr/x:1", "ingestionTime": 1},
                {
                    "timestamp": 2,
                    "message": "Health check failed on path /api/health",
                    "ingestionTime": 2,
                },
            ]
        },
    )
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client, logs_client=logs_client).deploy(TEMPLATE, {}, {}, assume_yes=True)
    assert "Health check failed on path /api/health" in str(caught.value)
    assert caught.value.details == [
        "Pulling image 123.dkr.ecr/x:1",
        "Health check failed on path /api/health",
    ]


def test_rollback_complete_stack_is_deleted_after_confirmation_then_created(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(NAME, "ROLLBACK_COMPLETE"))
    old = [stack_event(NAME, 0, "ROLLBACK_COMPLETE")]
    deleted = [
        *old,
        stack_event(NAME, 1, "DELETE_IN_PROGRESS", "User Initiated"),
        stack_event(NAME, 2, "DELETE_COMPLETE"),
    ]
    stubber.add_response("describe_stack_events", events_page(*old))
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleted))
    stubber.add_response("describe_stacks", stacks(NAME, "DELETE_COMPLETE"))
    stubber.add_response("describe_stack_events", events_page(*deleted))
    planned_change_set(stubber, [change("Add", "Bucket", "AWS::S3::Bucket")])
    stubber.add_response("delete_change_set", {})
    stubber.add_response("delete_stack", {})
    answers = iter([True, False])
    questions: list[str] = []
    notices: list[str] = []
    with pytest.raises(Cancelled):
        stubbed_deployer(client).deploy(
            TEMPLATE, {}, {}, confirm=lambda q: questions.append(q) or next(answers), on_notice=notices.append
        )
    assert "ROLLBACK_COMPLETE" in notices[0] and "deleted before it can be created again" in notices[0]
    assert questions[0] == f"Delete stack {NAME} now?"


def test_declining_the_leftover_delete_changes_nothing(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(NAME, "REVIEW_IN_PROGRESS"))
    with pytest.raises(Cancelled, match="REVIEW_IN_PROGRESS"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, confirm=lambda q: False)


def test_busy_stack_is_refused_with_advice(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_IN_PROGRESS"))
    with pytest.raises(DeployError, match=r"busy .*wait until it finishes"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)


def test_timeout_names_what_is_still_in_progress(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    planned_change_set(stubber, [change("Add", "Database", "AWS::RDS::DBInstance")])
    review = stack_event(NAME, 0, "REVIEW_IN_PROGRESS")
    running = [
        review,
        stack_event(NAME, 1, "CREATE_IN_PROGRESS"),
        event(NAME, 2, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"),
        event(NAME, 3, "Database", "AWS::RDS::DBInstance", "CREATE_IN_PROGRESS"),
        event(NAME, 4, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE"),
    ]
    stubber.add_response("describe_stack_events", events_page(review))
    stubber.add_response("execute_change_set", {})
    for _ in range(2):  # the change set's one wait already used a second of the 1.5
        stubber.add_response("describe_stack_events", events_page(*running))
        stubber.add_response("describe_stacks", stacks(NAME, "CREATE_IN_PROGRESS"))
    with pytest.raises(DeployTimeout) as caught:
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, timeout=1.5)
    assert caught.value.in_progress == ["Database (AWS::RDS::DBInstance)"]
    assert "still in progress: Database" in str(caught.value)


def test_big_template_without_bucket_is_refused_before_any_call(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    big = TEMPLATE + "# " + "x" * 52_000 + "\n"
    with pytest.raises(DeployError, match="over CloudFormation's 51,200-byte limit"):
        stubbed_deployer(client).deploy(big, {}, {}, assume_yes=True)


def _big_template() -> str:
    return TEMPLATE + "# " + "x" * 52_000 + "\n"


def test_big_template_is_uploaded_to_the_bucket_and_passed_by_url(
    cfn: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    import hashlib

    (client, stubber), (s3_client, s3_stubber) = cfn, s3
    body = _big_template().encode()
    key = f"cloudformation/{NAME}/{hashlib.sha256(body).hexdigest()[:20]}.yaml"
    stack_missing(stubber)
    s3_stubber.add_response(
        "put_object",
        {"ETag": '"x"'},
        {"Bucket": "sa-artifacts", "Key": key, "Body": body, "ContentType": "text/yaml"},
    )
    stubber.add_response(
        "create_change_set",
        created_change_set(NAME),
        {
            "StackName": NAME, "ChangeSetName": ANY, "ChangeSetType": "CREATE", "Parameters": [], "Tags": [],
            "Capabilities": ANY, "Description": ANY,
            "TemplateURL": f"https://sa-artifacts.s3.amazonaws.com/{key}",
        },
    )  # fmt: skip
    stubber.add_response("describe_change_set", described_change_set(NAME, "FAILED", reason=EMPTY_REASON))
    stubber.add_response("delete_change_set", {})
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stacks", stacks(NAME, "REVIEW_IN_PROGRESS"))
    result = stubbed_deployer(client, s3_client=s3_client).deploy(
        _big_template(), {}, {}, assume_yes=True, template_bucket="sa-artifacts"
    )
    assert result.no_changes


def test_big_template_that_cannot_be_uploaded_is_an_error_naming_the_bucket(
    cfn: tuple[Any, Stubber], s3: tuple[Any, Stubber]
) -> None:
    (client, stubber), (s3_client, s3_stubber) = cfn, s3
    stack_missing(stubber)
    s3_stubber.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
    with pytest.raises(DeployError) as caught:
        stubbed_deployer(client, s3_client=s3_client).deploy(
            _big_template(), {}, {}, assume_yes=True, template_bucket="sa-artifacts"
        )
    assert (
        str(caught.value)
        == "Could not upload the template to bucket sa-artifacts: AccessDenied: Access Denied."
    )


def test_big_template_with_a_bucket_but_no_s3_client_is_refused(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stack_missing(stubber)
    with pytest.raises(DeployError, match="over CloudFormation's 51,200-byte limit for inline templates"):
        stubbed_deployer(client).deploy(
            _big_template(), {}, {}, assume_yes=True, template_bucket="sa-artifacts"
        )


def test_template_of_exactly_the_inline_limit_goes_inline(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    template = TEMPLATE + "#" * (51_200 - len(TEMPLATE) - 1) + "\n"
    stack_missing(stubber)
    stubber.add_client_error("create_change_set", "ValidationError", "stop here")
    with pytest.raises(DeployError, match="stop here"):
        stubbed_deployer(client).deploy(template, {}, {}, assume_yes=True)  # no S3 client: inline it is


class FrozenClock:
    """datetime whose now() is 2026-05-01 12:00:00 in the zone asked for (UTC only)."""

    @staticmethod
    def now(tz: Any) -> Any:
        from datetime import UTC, datetime

        assert tz is UTC, "change set names use UTC"
        return datetime(2026, 5, 1, 12, 0, 0, tzinfo=tz)


def test_change_set_is_named_after_the_stack_and_the_utc_time(
    cfn: tuple[Any, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    from storyanalytics.deploy import stack_deployer

    client, stubber = cfn
    monkeypatch.setattr(stack_deployer, "datetime", FrozenClock)
    stack_missing(stubber)
    expected = {
        "StackName": NAME, "ChangeSetName": f"{NAME}-20260501120000", "ChangeSetType": "CREATE",
        "Parameters": [], "Tags": [], "Capabilities": ANY, "Description": "Story Analytics deploy",
        "TemplateBody": TEMPLATE,
    }  # fmt: skip
    stubber.add_client_error("create_change_set", "ValidationError", "stop here", expected_params=expected)
    with pytest.raises(DeployError, match="stop here"):
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True)


def test_change_set_gets_the_whole_time_limit_before_it_times_out(
    existing_stack: tuple[Any, Stubber],
) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(NAME))
    for _ in range(4):  # the fake clock reads 0, 1, 2 (the limit: still in time) and 3 s
        stubber.add_response("describe_change_set", described_change_set(NAME, "CREATE_PENDING"))
    with pytest.raises(DeployTimeout) as caught:
        stubbed_deployer(client).deploy(TEMPLATE, {}, {}, assume_yes=True, timeout=2)
    assert str(caught.value) == (
        f"The change set for stack {NAME} was not ready in time (still CREATE_PENDING): try again later."
    )


def test_change_set_listing_no_changes_plans_nothing(existing_stack: tuple[Any, Stubber]) -> None:
    client, stubber = existing_stack
    stubber.add_response("create_change_set", created_change_set(NAME))
    stubber.add_response("describe_change_set", described_change_set(NAME, "CREATE_COMPLETE"))
    without_changes = described_change_set(NAME, "CREATE_COMPLETE")
    del without_changes["Changes"]
    stubber.add_response("describe_change_set", without_changes)
    stubber.add_response("delete_change_set", {})
    assert stubbed_deployer(client).deploy(TEMPLATE, {}, {}, dry_run=True).changes == []


def test_destroy_follows_the_delete_with_live_events_until_it_completes(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    before = stack_event(NAME, 0, "UPDATE_COMPLETE")
    deleting = [before, stack_event(NAME, 1, "DELETE_IN_PROGRESS", "User Initiated")]
    deleted = [*deleting, stack_event(NAME, 2, "DELETE_COMPLETE")]
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_COMPLETE"))
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []})
    stubber.add_response("describe_stack_events", events_page(before), {"StackName": SID})
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleting))
    stubber.add_response("describe_stacks", stacks(NAME, "DELETE_IN_PROGRESS"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleted))
    stubber.add_response("describe_stacks", stacks(NAME, "DELETE_COMPLETE"), {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(*deleted))
    seen: list[StackEvent] = []
    stubbed_deployer(client).destroy(assume_yes=True, on_event=seen.append)
    assert [e.status for e in seen] == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]


def test_destroy_turns_protection_off_and_reports_what_was_kept(
    cfn: tuple[Any, Stubber], rds: tuple[Any, Stubber]
) -> None:
    (client, stubber), (rds_client, rds_stubber) = cfn, rds
    stubber.add_response(
        "describe_stacks", stacks(NAME, "UPDATE_COMPLETE", protection=True, outputs={"BucketName": "sa-data"})
    )
    stubber.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                {
                    "LogicalResourceId": "DataBucket",
                    "PhysicalResourceId": "sa-data",
                    "ResourceType": "AWS::S3::Bucket",
                    "LastUpdatedTimestamp": T0,
                    "ResourceStatus": "CREATE_COMPLETE",
                },
                {
                    "LogicalResourceId": "Database",
                    "PhysicalResourceId": "sa-db",
                    "ResourceType": "AWS::RDS::DBInstance",
                    "LastUpdatedTimestamp": T0,
                    "ResourceStatus": "CREATE_COMPLETE",
                },
            ]
        },
    )
    stubber.add_response(
        "update_termination_protection",
        {"StackId": SID},
        {"StackName": SID, "EnableTerminationProtection": False},
    )
    gone = [
        stack_event(NAME, 1, "DELETE_IN_PROGRESS", "User Initiated"),
        event(NAME, 2, "DataBucket", "AWS::S3::Bucket", "DELETE_SKIPPED"),
        event(NAME, 3, "Database", "AWS::RDS::DBInstance", "DELETE_COMPLETE"),
        stack_event(NAME, 4, "DELETE_COMPLETE"),
    ]
    stubber.add_response("describe_stack_events", events_page(stack_event(NAME, 0, "UPDATE_COMPLETE")))
    stubber.add_response("delete_stack", {}, {"StackName": SID})
    stubber.add_response("describe_stack_events", events_page(stack_event(NAME, 0, "UPDATE_COMPLETE"), *gone))
    stubber.add_response("describe_stacks", stacks(NAME, "DELETE_COMPLETE"))
    stubber.add_response("describe_stack_events", events_page(stack_event(NAME, 0, "UPDATE_COMPLETE"), *gone))
    rds_stubber.add_response(
        "describe_db_snapshots",
        {
            "DBSnapshots": [
                {
                    "DBSnapshotIdentifier": "story-analytics-database-final-1a2b",
                    "SnapshotCreateTime": T0,
                }
            ]
        },
        {"DBInstanceIdentifier": "sa-db", "SnapshotType": "manual"},
    )
    questions: list[str] = []
    notices: list[str] = []
    result = stubbed_deployer(client, rds_client=rds_client).destroy(
        confirm=lambda q: questions.append(q) or True, on_notice=notices.append
    )
    assert notices == [f"Termination protection is off for stack {NAME}."]
    assert "bucket sa-data is kept" in questions[0] and "final snapshot" in questions[0]
    assert result.kept_bucket == "sa-data"
    assert result.snapshot_id == "story-analytics-database-final-1a2b"


def test_destroy_declined_deletes_nothing(cfn: tuple[Any, Stubber]) -> None:
    client, stubber = cfn
    stubber.add_response("describe_stacks", stacks(NAME, "UPDATE_COMPLETE", protection=True))
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []})
    with pytest.raises(Cancelled, match="was not deleted"):
        stubbed_deployer(client).destroy(confirm=lambda q: False)


def test_delete_data_needs_the_typed_stack_name(cfn: tuple[Any, Stubber], s3: tuple[Any, Stubber]) -> None:
    (client, stubber), (s3_client, _no_s3_calls) = cfn, s3
    stubber.add_response(
        "describe_stacks", stacks(NAME, "UPDATE_COMPLETE", outputs={"BucketName": "sa-data"})
    )
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []})
    with pytest.raises(Cancelled, match="typed name did not match"):
        stubbed_deployer(client, s3_client=s3_client).destroy(
            keep_data=False, confirm=lambda q: True, ask=lambda q: "story-analytic"
        )
