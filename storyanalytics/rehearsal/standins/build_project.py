"""REHEARSAL STAND-IN for AWS::CodeBuild::Project: moto's CloudFormation lacks it, moto's CodeBuild has
projects. The stand-in creates the project in moto's CodeBuild backend so StartBuild and BatchGetBuilds
answer for it; the build itself is played by storyanalytics.rehearsal.codebuild (no Docker offline).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.codebuild.models import codebuild_backends
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random


class RehearsalCodeBuildProject(CloudFormationModel):
    """Stand-in for AWS::CodeBuild::Project; Ref is the project name, GetAtt Arn its ARN."""

    def __init__(self, name: str, arn: str, account_id: str, region: str) -> None:
        self.name = name
        self.arn = arn
        self.account_id = account_id
        self.region = region

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Arn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> RehearsalCodeBuildProject:
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("Name") or f"{resource_name}-{mock_random.get_random_hex(8)}"
        logs = (properties.get("LogsConfig") or {}).get("CloudWatchLogs") or {}
        codebuild_backends[account_id][region_name].create_project(
            project_name=name,
            description=properties.get("Description"),
            project_source={k[:1].lower() + k[1:]: v for k, v in (properties.get("Source") or {}).items()},
            artifacts={"type": (properties.get("Artifacts") or {}).get("Type", "NO_ARTIFACTS")},
            environment={k[:1].lower() + k[1:]: v for k, v in (properties.get("Environment") or {}).items()},
            service_role=str(properties.get("ServiceRole", "")),
            tags=None,
            cache=None,
            timeout=properties.get("TimeoutInMinutes"),
            queued_timeout=None,
            source_version=None,
            logs_config={
                "cloudWatchLogs": {"status": logs.get("Status"), "groupName": logs.get("GroupName")}
            },
            vpc_config=None,
        )
        arn = f"arn:aws:codebuild:{region_name}:{account_id}:project/{name}"
        return cls(name, arn, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RehearsalCodeBuildProject,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RehearsalCodeBuildProject:
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        backend = codebuild_backends[account_id][region_name]
        backend.codebuild_projects.pop(self.name, None)

    def is_created(self) -> bool:
        return True
