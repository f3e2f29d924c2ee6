"""What a deploy and a destroy report back: the stacks' results and what the user needs next."""

from __future__ import annotations

from dataclasses import dataclass, field

from storyanalytics.deploy.cost import CostEstimate
from storyanalytics.deploy.preflight import PreflightReport
from storyanalytics.deploy.stack_deployer import DeployResult, DestroyResult


@dataclass
class DeploymentResult:
    """What a deploy did, and what the user needs next."""

    region: str
    stack_name: str
    app: DeployResult
    bootstrap: DeployResult | None = None
    image_uri: str = ""
    estimate: CostEstimate | None = None
    preflight: PreflightReport | None = None
    admin_email: str | None = None
    dry_run: bool = False
    edge: DeployResult | None = None

    @property
    def outputs(self) -> dict[str, str]:
        return self.app.outputs

    @property
    def public_url(self) -> str | None:
        """Where published charts live (the edge stack's URL): the same across updates and redeploys."""
        return self.edge.outputs.get("PublicUrl") if self.edge else None

    @property
    def url(self) -> str | None:
        return self.outputs.get("AppUrl")

    @property
    def first_deploy(self) -> bool:
        return self.app.created and self.app.executed

    @property
    def password_command(self) -> str | None:
        arn = self.outputs.get("AdminPasswordSecretArn")
        if not arn:
            return None
        return (
            f"aws secretsmanager get-secret-value --secret-id {arn} --query SecretString --output text "
            f"--region {self.region}"
        )


@dataclass
class TeardownResult:
    app: DestroyResult
    bootstrap_stack: str
    bootstrap_deleted: bool = False
    notes: list[str] = field(default_factory=list)
