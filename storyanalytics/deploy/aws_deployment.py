"""The whole AWS flow for one deployment: preflight, cost, bootstrap stack, image, app stack, outputs.

Two stacks because the image must be in ECR before the service that runs it is created: the bootstrap
stack holds the repository (and an artifacts bucket for big templates), the app stack everything else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from email_validator import EmailNotValidError, validate_email

from storyanalytics.deploy.bucket_cors import allow_browser_uploads
from storyanalytics.deploy.buckets import empty_bucket
from storyanalytics.deploy.builders import (
    BuilderChoice,
    CodeBuildBuilder,
    ImageBuilder,
    LocalDockerBuilder,
    PushTarget,
    check_builder_name,
    choose_builder,
)
from storyanalytics.deploy.computes import (
    COMPUTE_CHOICES,
    DEFAULT_COMPUTE,
    Size,
    SizeError,
    check_size_for_any,
    get_compute,
)
from storyanalytics.deploy.cost import CostEstimate, estimate_cost
from storyanalytics.deploy.edge_stack import (
    CERTIFICATE_REGION,
    app_parameters,
    check_domain,
    deploy_edge,
    destroy_edge,
    edge_stack_name,
)
from storyanalytics.deploy.errors import DeployError, PreflightError, aws_error_message, error_code
from storyanalytics.deploy.image import CommandRunner, SubprocessRunner, image_digest, image_tag
from storyanalytics.deploy.preflight import PreflightReport, run_preflight
from storyanalytics.deploy.preflight_account import (
    check_database_class,
    check_quotas,
    check_service_linked_roles,
)
from storyanalytics.deploy.price_list import (
    PRICE_LIST_API_REGION,
    RegionFactors,
    measure_region_factors,
    probes_for,
    unavailable,
)
from storyanalytics.deploy.stack_deployer import (
    DEFAULT_TIMEOUT_SECONDS,
    DeployResult,
    DestroyResult,
    StackDeployer,
)
from storyanalytics.deploy.stack_name import check_stack_name
from storyanalytics.deploy.templates import load_template, parameter_defaults
from storyanalytics.deploy.ui import DeployUi, QuietUi
from storyanalytics.naming import APP_TAG_KEY

DEFAULT_STACK_NAME = "story-analytics"
DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PROJECT_DIR = Path(__file__).resolve().parents[2]


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


class AwsDeployment:
    """Deploy, update, destroy and inspect Story Analytics in the caller's AWS account."""

    def __init__(
        self,
        region: str | None,
        stack_name: str = DEFAULT_STACK_NAME,
        compute: str | None = None,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
        runner: CommandRunner | None = None,
        ui: DeployUi | None = None,
        assume_yes: bool = False,
        project_dir: Path = PROJECT_DIR,
        admin_email: str | None = None,
        db_instance_class: str | None = None,
        cpu: str | None = None,
        memory: str | None = None,
        enable_nat: bool | None = None,
        builder: str = "auto",
        endpoint_azs: int | None = None,
        app_template: str | None = None,
        bootstrap_template: str | None = None,
        edge: bool = True,
        domain: str | None = None,
        certificate_arn: str | None = None,
        edge_template: str | None = None,
        clients: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        poll_interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # What can be checked without AWS is checked first: a bad name or size never reaches AWS.
        check_stack_name(stack_name)
        if compute is not None:
            get_compute(compute)
        if cpu is not None and memory is not None:
            if compute is not None:
                get_compute(compute).check_size(cpu, memory)
            else:
                check_size_for_any(cpu, memory)  # the compute may be the existing stack's
        self.session = session or boto3.session.Session(region_name=region)
        resolved_region = region or self.session.region_name
        if not resolved_region:
            raise PreflightError("No AWS region is set: pass --region (for example --region us-east-1).")
        self.region: str = resolved_region
        self.stack_name = stack_name
        self.requested_compute = compute
        self.endpoint_url = endpoint_url
        self.runner: CommandRunner = runner or SubprocessRunner()
        self.ui: DeployUi = ui or QuietUi()
        self.assume_yes = assume_yes
        self.project_dir = project_dir
        self.admin_email = admin_email
        self.db_instance_class = db_instance_class
        self.cpu = cpu
        self.memory = memory
        self.enable_nat = enable_nat
        self.builder = check_builder_name(builder)
        if endpoint_azs not in (None, 1, 2):
            raise PreflightError(f"endpoint_azs {endpoint_azs!r} is not 1 or 2: pass --endpoint-azs 1 or 2.")
        self.endpoint_azs = endpoint_azs
        self._app_template = app_template
        self._bootstrap_template = bootstrap_template
        if domain is not None and not DOMAIN.match(domain):
            raise PreflightError(
                f"{domain!r} is not a host name: pass --domain like charts.example.org (no https://)."
            )
        if certificate_arn and not domain:
            raise PreflightError("--certificate-arn is only used with --domain: pass both, or neither.")
        self.edge = edge
        self.domain = domain
        self.certificate_arn = certificate_arn
        self._edge_template = edge_template
        self._clients: dict[str, Any] = dict(clients or {})
        self.timeout = timeout
        self.poll_interval = poll_interval
        self._sleep = sleep
        self.last_preflight: PreflightReport | None = None
        self._factors: dict[tuple[frozenset[str], str], RegionFactors] = {}

    # --- plumbing --------------------------------------------------------------------------------------
    @property
    def bootstrap_stack_name(self) -> str:
        return f"{self.stack_name}-bootstrap"

    @property
    def stack_tags(self) -> dict[str, str]:
        """The same tags on every create and update: CloudFormation passes stack tags on to resources,
        and the Express service's Tags can only be set when it is created."""
        return {APP_TAG_KEY: self.stack_name}

    @property
    def app_template(self) -> str:
        if self._app_template is None:
            self._app_template = load_template("app")
        return self._app_template

    @property
    def edge_stack_name(self) -> str:
        return edge_stack_name(self.stack_name)

    @property
    def edge_template(self) -> str:
        if self._edge_template is None:
            self._edge_template = load_template("edge")
        return self._edge_template

    def certificate_client(self, service: str) -> Any:
        """ACM (and Route 53, a global service) for CloudFront's certificate, always in us-east-1."""
        key = f"{service}@{CERTIFICATE_REGION}"
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=CERTIFICATE_REGION,
                endpoint_url=self.endpoint_url,
            )
        return self._clients[key]

    @property
    def bootstrap_template(self) -> str:
        if self._bootstrap_template is None:
            self._bootstrap_template = load_template("bootstrap")
        return self._bootstrap_template

    def client(self, service: str) -> Any:
        """One client per service, all pointed at `endpoint_url` when one is given (emulators, tests)."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=self.region,
                endpoint_url=self.endpoint_url,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 4}, connect_timeout=10, read_timeout=60
                ),
            )
        return self._clients[service]

    def _deployer(self, stack_name: str) -> StackDeployer:
        return StackDeployer(
            self.client("cloudformation"),
            stack_name,
            s3_client=self.client("s3"),
            logs_client=self.client("logs"),
            rds_client=self.client("rds"),
            poll_interval=self.poll_interval,
            sleep=self._sleep,
        )

    def _stack_parameter(self, stack_name: str, key: str) -> str | None:
        stack = self._deployer(stack_name).describe()
        for item in (stack or {}).get("Parameters", []) or []:
            if item.get("ParameterKey") == key:
                return str(item.get("ParameterValue"))
        return None

    @property
    def compute(self) -> str:
        """As asked; else what the existing stack runs; else ECS Express."""
        if self.requested_compute:
            return self.requested_compute
        try:
            previous = self._stack_parameter(self.stack_name, "Compute")
        except DeployError:
            previous = None
        return previous if previous in COMPUTE_CHOICES else DEFAULT_COMPUTE

    # --- steps -----------------------------------------------------------------------------------------
    def preflight(self, *, build: bool = True) -> PreflightReport:
        report = run_preflight(
            session=self.session,
            client=self.client,
            region=self.region,
            stack_name=self.stack_name,
            compute=self.requested_compute or DEFAULT_COMPUTE,
            stack_names=[self.bootstrap_stack_name, self.stack_name, self.edge_stack_name],
            runner=self.runner if build else None,
            builder=self.builder,
        )
        if report.ok and not self.requested_compute and report.existing_stacks.get(self.stack_name):
            report.compute = self.compute
        if report.ok and self.edge and self.domain:
            check_domain(
                report,
                self.certificate_client("acm"),
                self.certificate_client("route53"),
                self.domain,
                self.certificate_arn,
            )
        if report.ok:
            self._account_checks(report)
        self.last_preflight = report
        return report

    def size(self, compute: str, exists: bool) -> Size:
        """The CPU/memory the service will get: as given, else the stack's current, else the default.

        Checked for `compute` before anything is created, listing the valid pairs when it cannot run.
        """
        defaults = parameter_defaults(self.app_template)
        cpu, memory = self.cpu, self.memory
        if exists and (cpu is None or memory is None):
            cpu = cpu or self._stack_parameter(self.stack_name, "Cpu")
            memory = memory or self._stack_parameter(self.stack_name, "Memory")
        return get_compute(compute).check_size(
            cpu or defaults.get("Cpu") or "256", memory or defaults.get("Memory") or "1024"
        )

    def _account_checks(self, report: PreflightReport) -> None:
        """Size, database class, quotas and service-linked roles: rows, before anything is created."""
        exists = bool(report.existing_stacks.get(self.stack_name))
        try:
            size = self.size(report.compute, exists)
        except SizeError as exc:
            report.add("Size", "fail", str(exc))
            return
        report.add(
            "Size", "ok", f"{size.cpu} CPU units, {size.memory} MiB on {get_compute(report.compute).title}"
        )
        defaults = parameter_defaults(self.app_template)
        db_class = self.db_instance_class or (None if exists else defaults.get("DbInstanceClass"))
        if db_class:
            check_database_class(
                report.add, self.client, db_class, str(defaults.get("DbEngineVersion") or "16")
            )
        if exists:
            return  # the stack's VPC, addresses and roles are already there
        max_tasks = float(defaults.get("MaxTasks") or 1)
        nat = self.enable_nat if self.enable_nat is not None else defaults.get("EnableNat") == "true"
        fargate = size.vcpu * max_tasks if report.compute == "ecs-express" else 0.0
        check_quotas(report.add, self.client, fargate_vcpus=fargate, needs_eip=bool(nat))
        check_service_linked_roles(report.add, self.client, report.compute)

    def estimate_cost(self) -> CostEstimate:
        """The monthly estimate, scaled to the region by factors the AWS Price List API gives today."""
        defaults = parameter_defaults(self.app_template)
        nat = self.enable_nat
        if nat is None:
            nat = str(defaults.get("EnableNat") or "false").lower() == "true"
        report = self.last_preflight
        compute = report.compute if report else self.compute
        size = self.size(compute, bool(report and report.existing_stacks.get(self.stack_name)))
        db_class = self.db_instance_class or defaults.get("DbInstanceClass") or "db.t4g.micro"
        arguments: dict[str, Any] = {
            "region": self.region,
            "compute": compute,
            "cpu": str(size.cpu),
            "memory": str(size.memory),
            "db_instance_class": db_class,
            "enable_nat": nat,
            "builder": self._builder_for_cost(),
            "settings": {"EndpointAzCount": str(self.endpoint_azs or defaults.get("EndpointAzCount") or 1)},
            "edge": self.edge,
        }
        keys = estimate_cost(**arguments).price_keys
        return estimate_cost(**arguments, factors=self.region_factors(keys, db_class))

    def region_factors(self, keys: set[str], db_class: str) -> RegionFactors:
        """How this region's prices compare with us-east-1's for the priced products (asked once)."""
        if self.endpoint_url:
            return unavailable(self.region, "an emulator endpoint is in use, and it has no price list")
        cache_key = (frozenset(keys), db_class)
        if cache_key not in self._factors:
            self._factors[cache_key] = measure_region_factors(
                self.price_list_client, self.region, probes_for(sorted(keys), db_class)
            )
        return self._factors[cache_key]

    def price_list_client(self) -> Any:
        """The AWS Price List Query API, served from us-east-1 whatever region is priced; short timeouts,
        since the estimate falls back to us-east-1 prices when it does not answer."""
        if "pricing" not in self._clients:
            self._clients["pricing"] = self.session.client(
                "pricing",
                region_name=PRICE_LIST_API_REGION,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=15
                ),
            )
        return self._clients["pricing"]

    def image_tag(self) -> str:
        return image_tag(self.runner, self.project_dir)

    def _builder_for_cost(self) -> str:
        """The preflight's choice; a dry run checks no builder, so it prices what was asked for."""
        report = self.last_preflight
        if report is not None and report.builder is not None:
            return report.builder.name
        return "codebuild" if self.builder == "codebuild" else "local"

    def chosen_builder(self) -> BuilderChoice:
        """The preflight's choice; without a preflight, chosen now (`auto` asks the Docker engine)."""
        if self.last_preflight is not None and self.last_preflight.builder is not None:
            return self.last_preflight.builder
        return choose_builder(self.builder, self.runner)

    def image_builder(self, bootstrap_outputs: Mapping[str, str]) -> ImageBuilder:
        """The chosen builder, wired to this account (CodeBuild uses the bootstrap stack's project)."""
        choice = self.chosen_builder()
        if choice.name == "local":
            return LocalDockerBuilder(self.runner, self.project_dir, self.client("ecr"))
        project, bucket = (
            bootstrap_outputs.get("BuildProjectName"),
            bootstrap_outputs.get("ArtifactsBucketName"),
        )
        if not project or not bucket:
            raise DeployError(
                f"Stack {self.bootstrap_stack_name} has no BuildProjectName/ArtifactsBucketName output: "
                "the bootstrap template is out of date; reinstall storyanalytics."
            )
        return CodeBuildBuilder(
            self.runner,
            self.project_dir,
            self.client,
            project_name=project,
            bucket=bucket,
            on_log=self.ui.build_log,
            poll_interval=self.poll_interval,
            sleep=self._sleep,
        )

    def outputs(self) -> dict[str, str]:
        return self._deployer(self.stack_name).outputs()

    # --- flows -----------------------------------------------------------------------------------------
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
        bootstrap = self._deployer(self.bootstrap_stack_name).deploy(
            self.bootstrap_template,
            bootstrap_parameters,
            self.stack_tags,
            dry_run=dry_run,
            **self._callbacks(),
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
            image_uri = self._ensure_image(
                PushTarget(repository_uri, repository_name, tag), bootstrap.outputs
            )

        edge = deploy_edge(self, dry_run=dry_run)
        if edge is not None:
            edge_parameters = app_parameters(edge.outputs, parameter_defaults(self.app_template))
            parameters.update({key: value for key, value in edge_parameters.items() if value})
        parameters["ImageUri"] = image_uri
        self.ui.step(f"App (stack {self.stack_name}, {compute})")
        app = self._deployer(self.stack_name).deploy(
            self.app_template,
            parameters,
            self.stack_tags,
            dry_run=dry_run,
            template_bucket=bootstrap.outputs.get("ArtifactsBucketName"),
            watch=get_compute(compute).watch(self.client),
            **self._callbacks(),
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
            admin_email=self.admin_email or self._stack_parameter(self.stack_name, "AdminEmail"),
            dry_run=dry_run,
            edge=edge,
        )

    def watch(self) -> str:
        """Follow a deploy that an earlier run left in progress (e.g. after its time limit)."""
        deployer = self._deployer(self.stack_name)
        return deployer.follow(
            on_event=self.ui.event,
            on_notice=self.ui.notice,
            timeout=self.timeout,
            watch=get_compute(self.compute).watch(self.client),
        )

    def update(self, *, dry_run: bool = False) -> DeploymentResult:
        """New image -> stack update -> the service rolls to it. Other settings keep their values."""
        stack = self._deployer(self.stack_name).describe()
        if stack is None:
            raise DeployError(
                f"There is no deployment named {self.stack_name} in {self.region}: deploy it first "
                "(story-analytics deploy --aws)."
            )
        return self.deploy(dry_run=dry_run)

    def destroy(self, *, delete_data: bool = False) -> TeardownResult:
        """Delete the app stack, keeping the data unless delete_data (confirmed twice) says otherwise."""
        self.ui.step(f"Checking your AWS setup ({self.region})")
        report = self.preflight(build=False)
        self.ui.preflight(report)
        report.raise_for_failures()
        self.ui.step(f"Deleting stack {self.stack_name}")
        app = self._deployer(self.stack_name).destroy(
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
            url = self._deployer(self.edge_stack_name).outputs().get("PublicUrl", "")
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
            result.bootstrap_deleted = self._destroy_bootstrap()
        return result

    # --- helpers ---------------------------------------------------------------------------------------
    def _callbacks(self) -> dict[str, Any]:
        return {
            "assume_yes": self.assume_yes,
            "confirm": self.ui.confirm,
            "on_event": self.ui.event,
            "on_changes": self.ui.changes,
            "on_notice": self.ui.notice,
            "timeout": self.timeout,
        }

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

    def _ensure_image(self, target: PushTarget, bootstrap_outputs: Mapping[str, str]) -> str:
        """Build and push unless ECR already holds this exact tag (tags are immutable)."""
        if image_digest(self.client("ecr"), target.repository_name, target.tag):
            self.ui.notice(f"Image {target.tag} is already in ECR: nothing to build.")
            return target.image_uri
        builder = self.image_builder(bootstrap_outputs)
        where = "with Docker on this machine" if builder.name == "local" else "in AWS CodeBuild"
        self.ui.step(f"Building image {target.tag} {where} and pushing it to {target.repository_uri}")
        return builder.build_and_push(target)

    def _destroy_bootstrap(self) -> bool:
        deployer = self._deployer(self.bootstrap_stack_name)
        outputs = deployer.outputs()
        repository = outputs.get("RepositoryName")
        if repository:
            self._empty_repository(repository)
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

    def _empty_repository(self, repository: str) -> None:
        """Delete every image; BatchDeleteImage reports refusals in `failures`, not as an error."""
        ecr = self.client("ecr")
        failures: list[dict[str, Any]] = []
        try:
            for page in ecr.get_paginator("list_images").paginate(repositoryName=repository):
                ids = page.get("imageIds", [])
                for start in range(0, len(ids), 100):
                    response = ecr.batch_delete_image(
                        repositoryName=repository, imageIds=ids[start : start + 100]
                    )
                    failures.extend(response.get("failures", []))
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) == "RepositoryNotFoundException":
                return
            raise DeployError(
                f"Could not empty image repository {repository}: {aws_error_message(exc)}."
            ) from None
        # ImageFailureCode ImageReferencedByManifestList (botocore's ECR model): an index still points at
        # the image; the index itself was in the same listing, so a second pass deletes what is left.
        retry = [f["imageId"] for f in failures if f.get("failureCode") == "ImageReferencedByManifestList"]
        if retry:
            response = ecr.batch_delete_image(repositoryName=repository, imageIds=retry)
            failures = [f for f in failures if f.get("failureCode") != "ImageReferencedByManifestList"]
            failures.extend(response.get("failures", []))
        failures = [f for f in failures if f.get("failureCode") != "ImageNotFound"]
        if failures:
            first = failures[0]
            raise DeployError(
                f"Could not delete {len(failures)} image(s) from repository {repository}: "
                f"{first.get('failureCode')}: {first.get('failureReason')}. Delete them in the ECR console, "
                "then run the destroy again."
            )
