"""REHEARSAL STAND-INS for resources that only need to exist in the stack: their effect does not matter
on this machine (IAM is not enforced, no network rules apply on loopback, App Runner's side resources)."""

from __future__ import annotations

from typing import Any, Self

from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins.base import Properties, Standin, arn, live_resources, short_id


class Recorded(Standin):
    """A resource recorded in `live_resources` with an ARN and placeholder GetAtt values."""

    ATTRIBUTES: dict[str, str] = {}  # name -> "arn", "number" or "bool"
    SERVICE = "rehearsal"

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        physical_id, attributes = cls.identity(resource_name, properties, account_id, region)
        resource = cls(physical_id, attributes)
        live_resources[physical_id] = resource
        return resource

    @classmethod
    def identity(
        cls, resource_name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> tuple[str, dict[str, str]]:
        """The physical id and the GetAtt values of a new resource (an ARN, placeholder numbers)."""
        resource_arn = arn(region_name, account_id, cls.SERVICE, f"{resource_name}/{short_id()}")
        values = {"arn": resource_arn, "number": "1", "bool": "true"}
        return resource_arn, {name: values[kind] for name, kind in cls.ATTRIBUTES.items()}

    def delete(self, account_id: str, region_name: str) -> None:
        live_resources.pop(self.physical_id, None)


class RehearsalVpcConnector(Recorded, CloudFormationModel):
    """Stand-in for AWS::AppRunner::VpcConnector."""

    CFN_TYPE = "AWS::AppRunner::VpcConnector"
    ATTRIBUTES = {"VpcConnectorArn": "arn", "VpcConnectorRevision": "number"}
    REQUIRED = ("Subnets",)
    SERVICE = "apprunner"


class RehearsalAutoScalingConfiguration(Recorded, CloudFormationModel):
    """Stand-in for AWS::AppRunner::AutoScalingConfiguration."""

    CFN_TYPE = "AWS::AppRunner::AutoScalingConfiguration"
    ATTRIBUTES = {
        "AutoScalingConfigurationArn": "arn",
        "AutoScalingConfigurationRevision": "number",
        "Latest": "bool",
    }
    SERVICE = "apprunner"


class RehearsalRolePolicy(Recorded, CloudFormationModel):
    """Stand-in for AWS::IAM::RolePolicy (moto does not enforce IAM here anyway)."""

    CFN_TYPE = "AWS::IAM::RolePolicy"
    SERVICE = "iam"


class RehearsalSecurityGroupEgress(Recorded, CloudFormationModel):
    """Stand-in for AWS::EC2::SecurityGroupEgress (no network rules apply on loopback)."""

    CFN_TYPE = "AWS::EC2::SecurityGroupEgress"
    SERVICE = "ec2"


class RehearsalQueuePolicy(Recorded, CloudFormationModel):
    """Stand-in for AWS::SQS::QueuePolicy (the edge's invalidation queue; offline nothing sends to it)."""

    CFN_TYPE = "AWS::SQS::QueuePolicy"
    SERVICE = "sqs"
    REQUIRED = ("Queues", "PolicyDocument")
