"""The destroy flow: the app stack (data kept unless asked twice), the edge stack, the bootstrap stack."""

from __future__ import annotations

from storyanalytics.deploy.buckets import empty_bucket
from storyanalytics.deploy.deployment_checks import DeploymentChecks
from storyanalytics.deploy.deployment_results import TeardownResult
from storyanalytics.deploy.edge_stack import destroy_edge
from storyanalytics.deploy.repository import empty_repository
from storyanalytics.deploy.stack_deployer import StackDeployer


class DeploymentTeardown(DeploymentChecks):
    """Delete what a deployment made, keeping the data unless the user confirmed deleting it."""

    def destroy(self, *, delete_data: bool = False) -> TeardownResult:
        """Delete the app stack, keeping the data unless delete_data (confirmed twice) says otherwise."""
        self.ui.step(f"Checking your AWS setup ({self.region})")
        report = self.preflight(build=False)
        self.ui.preflight(report)
        report.raise_for_failures()
        self.ui.step(f"Deleting stack {self.stack_name}")
        app = self.deployer(self.stack_name).destroy(
            keep_data=not delete_data,
            assume_yes=self.assume_yes,
            confirm=self.ui.confirm,
            ask=self.ui.ask,
            on_event=self.ui.event,
            on_notice=self.ui.notice,
            timeout=self.timeout,
        )
        result = TeardownResult(app=app, bootstrap_stack=self.bootstrap_stack_name)
        edge_exists = bool(report.existing_stacks.get(self.edge_stack_name))
        if edge_exists and not delete_data:
            url = self.deployer(self.edge_stack_name).outputs().get("PublicUrl", "")
            result.notes.append(
                f"Published charts stay online at {url} (stack {self.edge_stack_name} is kept with the "
                "data; --destroy --delete-data removes it)."
            )
        elif edge_exists:
            self.ui.step(f"Deleting stack {self.edge_stack_name} (published charts)")
            destroy_edge(self)
        if not delete_data:
            if report.existing_stacks.get(self.bootstrap_stack_name):
                result.notes.append(
                    f"The image repository (stack {self.bootstrap_stack_name}) was kept; it costs cents "
                    "a month and makes the next deploy faster."
                )
            return result
        if report.existing_stacks.get(self.bootstrap_stack_name):
            self.ui.step(f"Deleting stack {self.bootstrap_stack_name} (image repository)")
            result.bootstrap_deleted = self.destroy_bootstrap()
        return result

    def destroy_bootstrap(self) -> bool:
        deployer = self.deployer(self.bootstrap_stack_name)
        outputs = deployer.outputs()
        repository = outputs.get("RepositoryName")
        if repository:
            empty_repository(self.client("ecr"), repository)
        bucket = outputs.get("ArtifactsBucketName")
        if bucket:
            empty_bucket(self.client("s3"), bucket)  # the stack deletes the bucket only when it is empty
        self.delete_confirmed(deployer)
        return True

    def delete_confirmed(self, deployer: StackDeployer) -> None:
        """Delete a stack the user already confirmed deleting with everything in it (twice)."""
        deployer.destroy(
            keep_data=True,
            assume_yes=True,
            on_event=self.ui.event,
            on_notice=self.ui.notice,
            timeout=self.timeout,
        )
