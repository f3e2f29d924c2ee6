"""Preflight rows about the account, before anything is created: database class orderable in the
region's AZs, quotas the stack consumes, service-linked roles, ECS usable. A check the identity may not
make is a warning with a fix, never a failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from deploy_fakes import RecordingRunner

from storyanalytics.deploy import AwsDeployment
from storyanalytics.deploy.preflight_account import (
    check_database_class,
    check_ecs,
    check_quotas,
    check_service_linked_roles,
)
from storyanalytics.deploy.ui import QuietUi

Row = tuple[str, str, str]


@pytest.fixture
def rows() -> list[Row]:
    return []


@pytest.fixture
def stubs() -> Iterator[dict[str, Stubber]]:
    made: dict[str, Stubber] = {}
    yield made
    for stubber in made.values():
        stubber.assert_no_pending_responses()


def _factory(stubs: dict[str, Stubber]) -> Any:
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = boto3.client(service, region_name="us-east-1")
            stubs[service] = Stubber(clients[service])
            stubs[service].activate()
        return clients[service]

    return client


def _add(rows: list[Row]) -> Any:
    return lambda name, status, detail: rows.append((name, status, detail))


def _zones(client: Any, stubs: dict[str, Stubber], *names: str) -> None:
    client("ec2")
    stubs["ec2"].add_response(
        "describe_availability_zones", {"AvailabilityZones": [{"ZoneName": name} for name in names]}
    )


def _orderable(client: Any, stubs: dict[str, Stubber], zones: list[str], version: str = "16.4") -> None:
    client("rds")
    options = (
        [{"EngineVersion": version, "AvailabilityZones": [{"Name": zone} for zone in zones]}] if zones else []
    )
    stubs["rds"].add_response(
        "describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": options}
    )


def test_database_class_offered_in_every_az_passes(rows: list[Row], stubs: dict[str, Stubber]) -> None:
    client = _factory(stubs)
    _zones(client, stubs, "us-east-1a", "us-east-1b")
    _orderable(client, stubs, ["us-east-1a", "us-east-1b"])
    check_database_class(_add(rows), client, "db.t4g.micro", "16")
    assert rows == [
        ("Database class", "ok", "db.t4g.micro (PostgreSQL 16) is offered in every AZ of the region")
    ]


def test_database_class_missing_in_an_az_is_a_warning_naming_it(
    rows: list[Row], stubs: dict[str, Stubber]
) -> None:
    client = _factory(stubs)
    _zones(client, stubs, "us-east-1a", "us-east-1e")
    _orderable(client, stubs, ["us-east-1a"])
    check_database_class(_add(rows), client, "db.t4g.micro", "16")
    assert rows[0][1] == "warn" and "cannot be ordered in us-east-1e" in rows[0][2]


def test_database_class_not_offered_for_postgres_fails_with_a_fix(
    rows: list[Row], stubs: dict[str, Stubber]
) -> None:
    client = _factory(stubs)
    _zones(client, stubs, "us-east-1a", "us-east-1b")
    _orderable(client, stubs, [])
    _orderable(client, stubs, ["us-east-1a"])  # PostgreSQL itself is listed here
    check_database_class(_add(rows), client, "db.x9.nano", "16")
    assert rows[0][1] == "fail" and "pass another --db-instance-class" in rows[0][2]


def test_quota_reads_not_allowed_are_warnings(rows: list[Row], stubs: dict[str, Stubber]) -> None:
    client = _factory(stubs)
    client("service-quotas")
    for _ in range(2):
        stubs["service-quotas"].add_client_error(
            "get_service_quota", service_error_code="AccessDeniedException"
        )
    check_quotas(_add(rows), client, fargate_vcpus=0.5, needs_eip=False)
    assert [(name, status) for name, status, _ in rows] == [
        ("Quota: VPCs per Region", "warn"),
        ("Quota: Fargate On-Demand vCPU resource count", "warn"),
    ]
    assert "Not allowed to read it" in rows[0][2] and "(vpc, L-F678F1CE)" in rows[0][2]


def test_quota_that_would_be_exceeded_fails(rows: list[Row], stubs: dict[str, Stubber]) -> None:
    client = _factory(stubs)
    client("service-quotas")
    client("ec2")
    stubs["service-quotas"].add_response(
        "get_service_quota",
        {"Quota": {"QuotaCode": "L-F678F1CE", "QuotaName": "VPCs per Region", "Value": 5.0}},
        {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"},
    )
    stubs["ec2"].add_response("describe_vpcs", {"Vpcs": [{"VpcId": f"vpc-{n}"} for n in range(5)]})
    stubs["service-quotas"].add_response(
        "get_service_quota",
        {"Quota": {"QuotaCode": "L-0263D0A3", "QuotaName": "EC2-VPC Elastic IPs", "Value": 5.0}},
        {"ServiceCode": "ec2", "QuotaCode": "L-0263D0A3"},
    )
    stubs["ec2"].add_response("describe_addresses", {"Addresses": [{"PublicIp": "192.0.2.1"}]})
    check_quotas(_add(rows), client, fargate_vcpus=0, needs_eip=True)
    assert rows[0][:2] == ("Quota: VPCs per Region", "fail") and "5 in use + 1 needed > quota 5" in rows[0][2]
    assert rows[1][:2] == ("Quota: EC2-VPC Elastic IPs", "ok")


def test_missing_service_linked_roles_are_a_warning_with_the_command(
    rows: list[Row], stubs: dict[str, Stubber]
) -> None:
    client = _factory(stubs)
    client("iam")
    stubs["iam"].add_response(
        "get_role",
        {
            "Role": {
                "Path": "/aws-service-role/networking.apprunner.amazonaws.com/",
                "RoleName": "AWSServiceRoleForAppRunnerNetworking",
                "RoleId": "AROAEXAMPLEEXAMPLE01",
                "Arn": (
                    "arn:aws:iam::123456789012:role/aws-service-role/networking.apprunner.amazonaws.com/"
                    "AWSServiceRoleForAppRunnerNetworking"
                ),
                "CreateDate": "2026-01-01T00:00:00Z",
            }
        },
    )
    stubs["iam"].add_client_error("get_role", service_error_code="NoSuchEntity", http_status_code=404)
    check_service_linked_roles(_add(rows), client, "apprunner")
    assert rows[0][1] == "warn" and "AWSServiceRoleForRDS will be created" in rows[0][2]
    assert "create-service-linked-role --aws-service-name rds.amazonaws.com" in rows[0][2]


def test_a_quota_code_that_names_another_quota_is_a_warning(
    rows: list[Row], stubs: dict[str, Stubber]
) -> None:
    client = _factory(stubs)
    client("service-quotas")
    client("ec2")
    stubs["service-quotas"].add_response(
        "get_service_quota",
        {"Quota": {"QuotaCode": "L-F678F1CE", "QuotaName": "Internet gateways per Region", "Value": 0.0}},
        {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"},
    )
    stubs["ec2"].add_response("describe_vpcs", {"Vpcs": []})
    check_quotas(_add(rows), client, fargate_vcpus=0, needs_eip=False)
    assert rows[0][1] == "warn" and "is 'Internet gateways per Region' here" in rows[0][2]


def test_lambda_checks_the_database_service_linked_role(rows: list[Row], stubs: dict[str, Stubber]) -> None:
    client = _factory(stubs)
    client("iam")
    stubs["iam"].add_client_error("get_role", service_error_code="NoSuchEntity", http_status_code=404)
    check_service_linked_roles(_add(rows), client, "lambda")
    assert rows[0][1] == "warn" and "AWSServiceRoleForRDS will be created" in rows[0][2]


def test_ecs_not_allowed_fails_the_compute_row(rows: list[Row], stubs: dict[str, Stubber]) -> None:
    client = _factory(stubs)
    client("ecs")
    stubs["ecs"].add_client_error("list_clusters", service_error_code="AccessDeniedException")
    check_ecs(_add(rows), client)
    assert rows[0][:2] == ("Compute", "fail") and "allow ecs:*" in rows[0][2]


def test_preflight_table_on_moto_has_every_account_row(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    ui = QuietUi(confirm_answer=True)
    deployment = AwsDeployment(
        "us-east-1",
        stack_name,
        "ecs-express",
        endpoint_url=moto_server,
        runner=RecordingRunner(),
        project_dir=project_dir,
        admin_email="admin@example.org",
        ui=ui,
    )
    report = deployment.preflight()
    statuses = {check.name: check.status for check in report.checks}
    assert statuses["Compute"] == "ok" and statuses["Size"] == "ok"
    assert statuses["Database class"] == "warn"  # moto lists no PostgreSQL options
    assert statuses["Quota: VPCs per Region"] == "ok"
    assert statuses["Quota: Fargate On-Demand vCPU resource count"] == "warn"  # moto knows only VPC quotas
    assert statuses["Service-linked roles"] == "warn" and report.ok
