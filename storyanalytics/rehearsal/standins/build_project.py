"""REHEARSAL STAND-IN for AWS::CodeBuild::Project: moto's CloudFormation lacks it, moto's CodeBuild has
projects. The stand-in creates the project in moto's CodeBuild backend so StartBuild and BatchGetBuilds
answer for it; the build itself is played by storyanalytics.rehearsal.codebuild (no Docker offline).
"""

from __future__ import annotations

from typing import Any, Self

from moto.codebuild.models import codebuild_backends
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from storyanalytics.rehearsal.standins.base import Properties, Standin


def _camel(settings: dict[str, Any] | None) -> dict[str, Any]:
    """CloudFormation's property names (Type) as moto's CodeBuild API takes them (type)."""
    return {k[:1].lower() + k[1:]: v for k, v in (settings or {}).items()}


class RehearsalCodeBuildProject(Standin, CloudFormationModel):
    """Stand-in for AWS::CodeBuild::Project; Ref is the project name, GetAtt Arn its ARN."""

    CFN_TYPE = "AWS::CodeBuild::Project"
    NAME_TYPE = "Name"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        name = properties.get("Name") or f"{resource_name}-{mock_random.get_random_hex(8)}"
        logs = (properties.get("LogsConfig") or {}).get("CloudWatchLogs") or {}
        codebuild_backends[account_id][region].create_project(
            project_name=name,
            description=properties.get("Description"),
            project_source=_camel(properties.get("Source")),
            artifacts={"type": (properties.get("Artifacts") or {}).get("Type", "NO_ARTIFACTS")},
            environment=_camel(properties.get("Environment")),
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
        return cls(name, {"Arn": f"arn:aws:codebuild:{region}:{account_id}:project/{name}"})

    def delete(self, account_id: str, region_name: str) -> None:
        codebuild_backends[account_id][region_name].codebuild_projects.pop(self.physical_id, None)
