"""The rehearsal's moto stand-ins: one registration, a placeholder launcher for tests, the moto gaps."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins import (
    PlaceholderLauncher,
    StandinConflictError,
    created_services,
    get_launcher,
    install,
    placeholder_launcher,
    set_launcher,
)
from storyanalytics.rehearsal.standins.launcher import ServiceSpec
from storyanalytics.rehearsal.standins.moto_gaps import cidr

install()

SERVICE: dict[str, Any] = {
    "Type": "AWS::ECS::ExpressGatewayService",
    "Properties": {
        "PrimaryContainer": {"Image": "example/app:1", "ContainerPort": 8000},
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/execution",
        "InfrastructureRoleArn": "arn:aws:iam::123456789012:role/infrastructure",
    },
}


def _cloudformation(endpoint: str) -> Any:
    return boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1")


def _spec(name: str) -> ServiceSpec:
    return ServiceSpec(
        kind="apprunner",
        name=name,
        image="example/app:1",
        port=8080,
        environment={},
        log_group=None,
        log_stream_prefix="instance",
        account_id="123456789012",
        region="us-east-1",
    )


def test_placeholder_launcher_records_running_services_and_restores_the_previous_launcher() -> None:
    before = get_launcher()
    with placeholder_launcher() as launcher:
        assert get_launcher() is launcher
        address = launcher.start(_spec("web"))
        assert address.endswith(".invalid") and launcher.running[address].name == "web"
        launcher.stop(address)
        assert launcher.running == {}
    assert get_launcher() is before


def test_set_launcher_none_restores_a_placeholder() -> None:
    previous = set_launcher(None)
    try:
        assert isinstance(get_launcher(), PlaceholderLauncher)
    finally:
        set_launcher(previous)


def test_a_second_model_for_a_standin_type_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class OtherExpressService:
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ECS::ExpressGatewayService"

    # Pretend it subclasses CloudFormationModel, without registering a real model with moto for good.
    registered = CloudFormationModel.__subclasses__()
    monkeypatch.setattr(CloudFormationModel, "__subclasses__", lambda: [*registered, OtherExpressService])
    with pytest.raises(StandinConflictError, match="OtherExpressService"):
        install()


def test_cidr_gives_the_first_subnets_of_the_block() -> None:
    assert cidr("10.0.0.0/16", 3, 8) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]


def test_stack_services_are_listed_while_they_exist_and_run_nothing(moto_server: str) -> None:
    name = f"standins-{secrets.token_hex(4)}"
    template = {"Resources": {"Service": SERVICE}}
    cloudformation = _cloudformation(moto_server)
    with placeholder_launcher() as launcher:
        cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
        [spec] = launcher.running.values()
        assert spec.image == "example/app:1" and spec.port == 8000
        [resource] = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
        assert resource["PhysicalResourceId"] in created_services()
        cloudformation.delete_stack(StackName=name)
        assert launcher.running == {}
        assert resource["PhysicalResourceId"] not in created_services()


def test_service_without_its_required_properties_is_refused(moto_server: str) -> None:
    template = {"Resources": {"Service": {**SERVICE, "Properties": {"PrimaryContainer": {"Image": "x"}}}}}
    with pytest.raises(ClientError, match="missing required properties ExecutionRoleArn"):
        _cloudformation(moto_server).create_stack(
            StackName=f"standins-{secrets.token_hex(4)}", TemplateBody=json.dumps(template)
        )


def _secret_and_parameter(reference: str) -> dict[str, Any]:
    """A generated JSON secret and an SSM parameter whose value is a dynamic reference to it."""
    return {
        "Resources": {
            "Secret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "GenerateSecretString": {
                        "SecretStringTemplate": '{"username": "app"}',
                        "GenerateStringKey": "password",
                        "PasswordLength": 16,
                    }
                },
            },
            "Parameter": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": f"standins-{secrets.token_hex(4)}",  # moto needs a name
                    "Type": "String",
                    "Value": {"Fn::Sub": reference},
                },
            },
        }
    }


def test_secretsmanager_dynamic_references_are_resolved(moto_server: str) -> None:
    name = f"standins-{secrets.token_hex(4)}"
    template = _secret_and_parameter("{{resolve:secretsmanager:${Secret}:SecretString:password}}")
    cloudformation = _cloudformation(moto_server)
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    }
    ssm = boto3.client("ssm", endpoint_url=moto_server, region_name="us-east-1")
    secrets_client = boto3.client("secretsmanager", endpoint_url=moto_server, region_name="us-east-1")
    value = ssm.get_parameter(Name=ids["Parameter"])["Parameter"]["Value"]
    secret = json.loads(secrets_client.get_secret_value(SecretId=ids["Secret"])["SecretString"])
    assert value == secret["password"] and len(value) == 16


def test_dynamic_reference_to_a_missing_key_is_refused(moto_server: str) -> None:
    template = _secret_and_parameter("{{resolve:secretsmanager:${Secret}:SecretString:nope}}")
    with pytest.raises(ClientError, match="Could not resolve the dynamic reference"):
        _cloudformation(moto_server).create_stack(
            StackName=f"standins-{secrets.token_hex(4)}", TemplateBody=json.dumps(template)
        )
