"""The whole AWS flow for one deployment: preflight, cost, bootstrap stack, image, app stack, outputs.

Two stacks because the image must be in ECR before the service that runs it is created: the bootstrap
stack holds the repository (and an artifacts bucket for big templates), the app stack everything else.
The steps live in deployment_checks (preflight, cost), deployment_image and deployment_teardown, on
deployment_base (settings, clients, stacks); this module runs them in order.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from storyanalytics.deploy.bucket_cors import allow_browser_uploads
from storyanalytics.deploy.builders import PushTarget
from storyanalytics.deploy.computes import get_compute
from storyanalytics.deploy.deployment_base import DEFAULT_STACK_NAME, DOMAIN, PROJECT_DIR
from storyanalytics.deploy.deployment_image import DeploymentImage
from storyanalytics.deploy.deployment_results import DeploymentResult, TeardownResult
from storyanalytics.deploy.deployment_teardown import DeploymentTeardown
from storyanalytics.deploy.edge_stack import app_parameters, deploy_edge
from storyanalytics.deploy.errors import DeployError, PreflightError
from storyanalytics.deploy.templates import parameter_defaults

__all__ = [
    "DEFAULT_STACK_NAME",
    "DOMAIN",
    "PROJECT_DIR",
    "AwsDeployment",
    "DeploymentResult",
    "TeardownResult",
]


class AwsDeployment(DeploymentImage, DeploymentTeardown):
    """Deploy, update, destroy and inspect Story Analytics in the caller's AWS account."""

    def outputs(self) -> dict[str, str]:
        return self.deployer(self.stack_name).outputs()

    def deploy(self, *, dry_run: bool = False) -> DeploymentResult:
        """Create or update everything. A dry run shows preflight, cost and change sets, then deletes them."""
        self.ui.step(f"Checking your AWS setup ({self.region})")
        report = self.preflight(build=not dry_run)
        self.ui.preflight(report)
        report.raise_for_failures()
        compute = report.compute
        app_exists = bool(report.existing_stacks.get(self.stack_name))
        parameters = self._app_parameters(app_exists, image_uri="", compute=compute)  # validates early
        estimate = self.estimate_cost()
        self.ui.cost(estimate)

        self.ui.step(f"Image repository (stack {self.bootstrap_stack_name})")
        bootstrap_parameters: dict[str, str | None] = {}
        if "RepositoryName" in parameter_defaults(self.bootstrap_template):
            bootstrap_parameters["RepositoryName"] = self.stack_name.lower()  # one repository per deployment
        bootstrap = self.deployer(self.bootstrap_stack_name).deploy(
            self.bootstrap_template,
            bootstrap_parameters,
            self.stack_tags,
            dry_run=dry_run,
            **self.callbacks(),
        )
        tag = self.image_tag()
        repository_uri = bootstrap.outputs.get("RepositoryUri")
        repository_name = bootstrap.outputs.get("RepositoryName")
        if dry_run:
            repository_uri = repository_uri or (
                f"{report.account}.dkr.ecr.{self.region}.amazonaws.com/{self.stack_name}"
            )
            image_uri = f"{repository_uri}:{tag}"
            self.ui.notice(f"Dry run: no image is built; the change set uses {image_uri}.")
        else:
            if not repository_uri or not repository_name:
                raise DeployError(
                    f"Stack {self.bootstrap_stack_name} has no RepositoryUri/RepositoryName output: "
                    "the bootstrap template is out of date; reinstall storyanalytics."
                )
            image_uri = self.ensure_image(PushTarget(repository_uri, repository_name, tag), bootstrap.outputs)

        edge = deploy_edge(self, dry_run=dry_run)
        if edge is not None:
            edge_parameters = app_parameters(edge.outputs, parameter_defaults(self.app_template))
            parameters.update({key: value for key, value in edge_parameters.items() if value})
        parameters["ImageUri"] = image_uri
        self.ui.step(f"App (stack {self.stack_name}, {compute})")
        app = self.deployer(self.stack_name).deploy(
            self.app_template,
            parameters,
            self.stack_tags,
            dry_run=dry_run,
            template_bucket=bootstrap.outputs.get("ArtifactsBucketName"),
            watch=get_compute(compute).watch(self.client),
            **self.callbacks(),
        )
        bucket, app_url = app.outputs.get("BucketName"), app.outputs.get("AppUrl")
        if not dry_run and bucket and app_url:
            origin = allow_browser_uploads(self.client("s3"), bucket, app_url)
            self.ui.notice(f"Browser uploads to {bucket} allowed from {origin} only.")
        return DeploymentResult(
            region=self.region,
            stack_name=self.stack_name,
            app=app,
            bootstrap=bootstrap,
            image_uri=image_uri,
            estimate=estimate,
            preflight=report,
            admin_email=self.admin_email or self.stack_parameter(self.stack_name, "AdminEmail"),
            dry_run=dry_run,
            edge=edge,
        )

    def watch(self) -> str:
        """Follow a deploy that an earlier run left in progress (e.g. after its time limit)."""
        deployer = self.deployer(self.stack_name)
        return deployer.follow(
            on_event=self.ui.event,
            on_notice=self.ui.notice,
            timeout=self.timeout,
            watch=get_compute(self.compute).watch(self.client),
        )

    def update(self, *, dry_run: bool = False) -> DeploymentResult:
        """New image -> stack update -> the service rolls to it. Other settings keep their values."""
        stack = self.deployer(self.stack_name).describe()
        if stack is None:
            raise DeployError(
                f"There is no deployment named {self.stack_name} in {self.region}: deploy it first "
                "(story-analytics deploy --aws)."
            )
        return self.deploy(dry_run=dry_run)

    def _app_parameters(self, exists: bool, *, image_uri: str, compute: str) -> dict[str, str | None]:
        """Only parameters the template declares; unset ones keep their previous value on an update."""
        declared = parameter_defaults(self.app_template)
        if self.admin_email is not None:
            try:
                validate_email(self.admin_email, check_deliverability=False)
            except EmailNotValidError:
                raise PreflightError(
                    f"{self.admin_email!r} is not an email address: pass --admin-email you@example.org."
                ) from None
        wanted: dict[str, str | None] = {
            "ImageUri": image_uri,
            "Compute": self.requested_compute or (None if exists else compute),
            "DbInstanceClass": self.db_instance_class,
            "AdminEmail": self.admin_email,
            "Cpu": self.cpu,
            "Memory": self.memory,
            "EnableNat": None if self.enable_nat is None else str(self.enable_nat).lower(),
            "EndpointAzCount": None if self.endpoint_azs is None else str(self.endpoint_azs),
            "LambdaConcurrency": self._lambda_concurrency(compute),
        }
        parameters: dict[str, str | None] = {}
        for key, value in wanted.items():
            if key not in declared:
                continue
            if value is not None:
                parameters[key] = value
            elif exists:
                parameters[key] = None
            elif declared[key] is None and key != "ImageUri":
                option = {"AdminEmail": "--admin-email"}.get(key, key)
                raise PreflightError(f"The first deploy needs a value for {key}: pass {option}.")
        return parameters

    def _lambda_concurrency(self, compute: str) -> str | None:
        """What the preflight found the account can reserve; None keeps the stack's value or default."""
        report = self.last_preflight
        if compute != "lambda" or report is None or report.lambda_concurrency is None:
            return None
        return str(report.lambda_concurrency)
