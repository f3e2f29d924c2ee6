"""Deploy Story Analytics to the user's own AWS account: image, CloudFormation stacks, the whole flow."""

from storyanalytics.deploy.aws_deployment import AwsDeployment, DeploymentResult, TeardownResult
from storyanalytics.deploy.changeset import ChangeSetPlan, ResourceChange
from storyanalytics.deploy.cost import CostEstimate, estimate_cost
from storyanalytics.deploy.errors import (
    Cancelled,
    DeployError,
    DeployTimeout,
    ImageError,
    PreflightError,
)
from storyanalytics.deploy.events import StackEvent
from storyanalytics.deploy.preflight import PreflightReport
from storyanalytics.deploy.stack_deployer import DeployResult, DestroyResult, StackDeployer

__all__ = [
    "AwsDeployment",
    "Cancelled",
    "ChangeSetPlan",
    "CostEstimate",
    "DeployError",
    "DeployResult",
    "DeployTimeout",
    "DeploymentResult",
    "DestroyResult",
    "ImageError",
    "PreflightError",
    "PreflightReport",
    "ResourceChange",
    "StackDeployer",
    "StackEvent",
    "TeardownResult",
    "estimate_cost",
]
