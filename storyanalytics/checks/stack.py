"""Checks of a deployed stack, each answering one question a user has after a deploy.

Every check returns a CheckResult (never raises for a failed condition), so the notebook and the CLI can
show them one by one and then as one table; `report().raise_for_failures()` turns a failure into an error.
"""

from __future__ import annotations

import json
import re
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from storyanalytics.checks.edge import published_chart_through_cdn
from storyanalytics.checks.report import CheckReport, CheckResult
from storyanalytics.errors import StoryAnalyticsError

REQUIRED_OUTPUTS = ("AppUrl", "BucketName", "DbEndpoint", "AdminPasswordSecretArn")
HEALTHY_STACK_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
SERVICE_TYPES = ("AWS::ECS::ExpressGatewayService", "AWS::AppRunner::Service", "AWS::Lambda::Function")
SERVICE_KINDS = {
    "AWS::ECS::ExpressGatewayService": "ECS Express",
    "AWS::AppRunner::Service": "App Runner",
    "AWS::Lambda::Function": "Lambda",
}
# A log line counts as an error if it says so, or is an access log line with a 5xx status.
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL|Traceback)\b|\" 5\d\d\b")
LOG_WINDOW_MINUTES = 60
_SECURE_TRANSPORT = "aws:SecureTransport"
# An ACL grant to either predefined group makes a bucket public: AllUsers is anyone, AuthenticatedUsers
# is anyone with an AWS account, in any account (S3 User Guide, "Access control list (ACL) overview",
# Amazon S3 predefined groups; "Blocking public access to your Amazon S3 storage", the meaning of public).
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "every AWS account",
}

T = TypeVar("T")


class CheckSetupError(StoryAnalyticsError):
    """A check cannot even start (e.g. the stack it needs is missing); becomes that check's failure."""


def _aws_reason(exc: Exception) -> str:
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found: run 'aws configure' (or set AWS_PROFILE) and try again"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".rstrip(": ")
    return f"cannot reach AWS ({type(exc).__name__})"


def check(name: str) -> Callable[[Callable[[StackChecker], str]], Callable[[StackChecker], CheckResult]]:
    """Turn a method that returns a detail (or raises) into one that records and returns a CheckResult.

    Applied by assignment (`stack_status = check("Stack status")(_stack_status)`), as are the properties
    below, not as decorators: mutmut leaves decorated functions alone, and this logic must stay under
    mutation testing (`invoke mutants checks`).
    """

    def decorate(method: Callable[[StackChecker], str]) -> Callable[[StackChecker], CheckResult]:
        @wraps(method)
        def run(self: StackChecker) -> CheckResult:
            try:
                result = CheckResult(name, True, method(self))
            except (StoryAnalyticsError, AssertionError) as exc:
                result = CheckResult(name, False, str(exc))
            except (ClientError, BotoCoreError) as exc:
                result = CheckResult(name, False, _aws_reason(exc))
            self.results[name] = result
            return result

        run.check_name = name  # type: ignore[attr-defined]
        return run

    return decorate


class CheckFailed(StoryAnalyticsError):
    """Raised inside a check method: the check's condition is not met; the message says why."""


def lets_anyone_in(principal: Any) -> bool:
    """A policy principal meaning everyone: "*" or {"AWS": "*"} (S3 User Guide, "Principal"; IAM's
    "anonymous access" wildcard), also as one of a list of values ({"AWS": [..., "*"]}), the form the same
    page gives for several principals: https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-bucket-user-policy-specifying-principal-intro.html"""
    if principal == "*":
        return True
    values = principal.get("AWS") if isinstance(principal, dict) else None
    return values == "*" or (isinstance(values, list) and "*" in values)


class StackChecker:
    """Checks of one stack; call them one at a time (a notebook cell each) or all with `report()`."""

    def __init__(
        self,
        region: str,
        stack_name: str = "story-analytics",
        *,
        endpoint_url: str | None = None,
        database_url: str | None = None,
        session: boto3.session.Session | None = None,
        http_timeout: float = 10.0,
    ) -> None:
        self.region = region
        self.stack_name = stack_name
        self.endpoint_url = endpoint_url or None
        self.database_url = database_url or None
        self.session = session or boto3.session.Session(region_name=region)
        self.http_timeout = http_timeout
        self.results: dict[str, CheckResult] = {}
        # CloudFormation's answer that the stack does not exist: each later check repeats it, not the call.
        self._missing_stack: str | None = None

    # --- AWS access ----------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)
        return self.session.client(
            service, region_name=self.region, endpoint_url=self.endpoint_url, config=config
        )  # type: ignore[call-overload]

    def _unless_stack_missing(self) -> None:
        """Repeat CloudFormation's "does not exist" if it was said already: the checks that read more of
        the stack (its resources, its edge stack) then name the real cause, and ask AWS nothing more."""
        if self._missing_stack is not None:
            raise CheckSetupError(self._missing_stack)

    def _stack(self) -> dict[str, Any]:
        self._unless_stack_missing()
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"]
        except ClientError as exc:
            # An unknown stack is a 400 ValidationError "Stack with id X does not exist" (the raw answer is
            # quoted in boto/boto3#2807).
            if "does not exist" in str(exc):
                self._missing_stack = (
                    f"stack {self.stack_name!r} does not exist in {self.region}: deploy it first "
                    "(notebook 01_deploy) or check the region and stack name"
                )
                raise CheckSetupError(self._missing_stack) from None
            raise CheckSetupError(f"cannot read stack {self.stack_name!r}: {_aws_reason(exc)}") from None
        except BotoCoreError as exc:
            raise CheckSetupError(f"cannot read stack {self.stack_name!r}: {_aws_reason(exc)}") from None
        return dict(stacks[0])

    stack = cached_property(_stack)

    def _outputs(self) -> dict[str, str]:
        return {item["OutputKey"]: item.get("OutputValue", "") for item in self.stack.get("Outputs", [])}

    outputs = property(_outputs)

    def _parameters(self) -> dict[str, str]:
        return {
            item["ParameterKey"]: item.get("ParameterValue", "") for item in self.stack.get("Parameters", [])
        }

    parameters = property(_parameters)

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise CheckSetupError(
                f"stack {self.stack_name!r} has no output {key}: redeploy it with this version"
            )
        return value

    def _resources(self) -> list[dict[str, Any]]:
        self._unless_stack_missing()
        response = self.client("cloudformation").describe_stack_resources(StackName=self.stack_name)
        return [dict(resource) for resource in response["StackResources"]]

    resources = cached_property(_resources)

    def _app_url(self) -> str:
        url = self.output("AppUrl").rstrip("/")
        return url if url.startswith(("http://", "https://")) else f"https://{url}"

    app_url = property(_app_url)

    def _bucket(self) -> str:
        return self.output("BucketName")

    bucket = property(_bucket)

    # --- the checks ----------------------------------------------------------------------------------
    def _stack_status(self) -> str:
        status = self.stack.get("StackStatus", "UNKNOWN")
        if status not in HEALTHY_STACK_STATES:
            reason = self.stack.get("StackStatusReason") or "see the stack's events in the AWS console"
            raise CheckFailed(f"stack {self.stack_name!r} is {status}: {reason}")
        missing = [key for key in REQUIRED_OUTPUTS if not self.outputs.get(key)]
        if missing:
            raise CheckFailed(f"stack {self.stack_name!r} is {status} but lacks outputs {', '.join(missing)}")
        return f"{status}; outputs: " + ", ".join(f"{key}={self.outputs[key]}" for key in REQUIRED_OUTPUTS)

    stack_status = check("Stack status")(_stack_status)

    def _get_json(self, path: str) -> tuple[int, Any]:
        request = urllib.request.Request(self.app_url + path, headers={"Accept": "application/json"})
        context = ssl.create_default_context()
        try:
            with urllib.request.urlopen(request, timeout=self.http_timeout, context=context) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            # An unhealthy app still says why in its body (e.g. 503 with "database": "unreachable").
            try:
                return exc.code, json.loads(exc.read())
            except ValueError:
                return exc.code, None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CheckFailed(f"cannot reach {self.app_url}{path}: {reason}") from None
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    def _compute_health(self) -> tuple[int, Any]:
        return self._get_json("/api/health")

    _health = cached_property(_compute_health)

    def _app_health(self) -> str:
        status, body = self._health
        if status != 200:
            raise CheckFailed(f"{self.app_url}/api/health answered HTTP {status}; see the service's logs")
        state = body.get("status") if isinstance(body, dict) else None
        if state not in (None, "ok", "healthy"):
            raise CheckFailed(f"{self.app_url}/api/health reports status {state!r}")
        return f"{self.app_url}/api/health answered 200" + (f" ({state})" if state else "")

    app_health = check("App health")(_app_health)

    def _bucket_must_exist(self) -> None:
        s3 = self.client("s3")
        try:
            s3.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            # HeadBucket answers a bare 404 or 403 without a body (S3 API reference, HeadBucket: "A message
            # body isn't included"), so botocore's code is the status; other calls name the error (S3 API
            # reference, Error responses).
            if code in {"404", "NoSuchBucket", "NotFound"}:
                raise CheckFailed(
                    f"bucket {self.bucket!r} (the stack's BucketName) does not exist: it was deleted outside "
                    "the stack; restore it from a backup or redeploy"
                ) from None
            if code in {"403", "AccessDenied", "Forbidden"}:
                raise CheckFailed(
                    f"bucket {self.bucket!r} is not accessible with these credentials (access denied): "
                    "check the AWS profile you are using"
                ) from None
            raise

    def _bucket_exists(self) -> str:
        self._bucket_must_exist()
        return f"bucket {self.bucket!r} exists"

    bucket_exists = check("Bucket exists")(_bucket_exists)

    def _bucket_private(self) -> str:
        self._bucket_must_exist()
        s3 = self.client("s3")
        try:
            block = s3.get_public_access_block(Bucket=self.bucket)["PublicAccessBlockConfiguration"]
        except ClientError as exc:
            # No block configured: NoSuchPublicAccessBlockConfiguration, 404 (S3 API reference, Error
            # responses).
            if exc.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
                raise CheckFailed(f"bucket {self.bucket!r} has no public access block") from None
            raise
        settings = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        off = [name for name in settings if not block.get(name)]
        if off:
            raise CheckFailed(f"bucket {self.bucket!r} allows public access: {', '.join(off)} off")
        grants = s3.get_bucket_acl(Bucket=self.bucket).get("Grants", [])
        public = [
            PUBLIC_GRANTEES[g["Grantee"]["URI"]]
            for g in grants
            if g.get("Grantee", {}).get("URI") in PUBLIC_GRANTEES
        ]
        if public:
            raise CheckFailed(f"bucket {self.bucket!r} grants access to {public[0]} in its ACL")
        for statement in self._policy_statements():
            principal = statement.get("Principal")
            if statement.get("Effect") == "Allow" and lets_anyone_in(principal):
                raise CheckFailed(f"bucket {self.bucket!r} has a policy that allows anyone in")
        return f"bucket {self.bucket!r}: public access blocked, no public grants or policy"

    bucket_private = check("Bucket private")(_bucket_private)

    def _policy_statements(self) -> list[dict[str, Any]]:
        try:
            policy = self.client("s3").get_bucket_policy(Bucket=self.bucket)["Policy"]
        except ClientError as exc:
            # No policy: NoSuchBucketPolicy, 404 (S3 API reference, Error responses).
            if exc.response.get("Error", {}).get("Code") == "NoSuchBucketPolicy":
                return []
            raise
        statements = json.loads(policy).get("Statement", [])
        return [statements] if isinstance(statements, dict) else list(statements)

    def _bucket_encrypted(self) -> str:
        self._bucket_must_exist()
        s3 = self.client("s3")
        try:
            rules = s3.get_bucket_encryption(Bucket=self.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        except ClientError as exc:
            # No default encryption: ServerSideEncryptionConfigurationNotFoundError, 404 (S3 API reference,
            # Error responses).
            if exc.response.get("Error", {}).get("Code") == "ServerSideEncryptionConfigurationNotFoundError":
                raise CheckFailed(f"bucket {self.bucket!r} has no default encryption") from None
            raise
        algorithms = sorted(
            {rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "?") for rule in rules}
        )
        tls_only = any(
            statement.get("Effect") == "Deny"
            and "false"
            in json.dumps(statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport"))
            for statement in self._policy_statements()
        )
        if not tls_only:
            raise CheckFailed(
                f"bucket {self.bucket!r} is encrypted at rest ({', '.join(algorithms)}) but its policy does "
                "not refuse plain-HTTP access (aws:SecureTransport)"
            )
        return f"bucket {self.bucket!r}: encrypted at rest ({', '.join(algorithms)}), TLS-only policy"

    bucket_encrypted = check("Bucket encrypted")(_bucket_encrypted)

    def _database(self) -> str:
        from storyanalytics.db import head_revision

        head = head_revision()
        if not self.database_url:
            return self._database_through_app(head)
        revision = self._database_revision_direct()
        if revision != head:
            raise CheckFailed(
                f"the database is at schema revision {revision or 'none'} but this version expects {head}: "
                "run 'story-analytics db upgrade' against it (or redeploy, which upgrades on start)"
            )
        return f"the database is reachable and at the head schema revision {head}"

    database = check("Database")(_database)

    def _database_revision_direct(self) -> str | None:
        from alembic.util import CommandError
        from sqlalchemy.exc import SQLAlchemyError

        from storyanalytics.db import current_revision, make_engine, redact_url

        assert self.database_url
        postgres = self.database_url.startswith("postgresql")
        engine = make_engine(
            self.database_url, **({"connect_args": {"connect_timeout": 10}} if postgres else {})
        )
        try:
            with engine.connect() as connection:
                return current_revision(connection)
        except CommandError as exc:  # e.g. several rows in alembic_version (branches, or a hand edit)
            raise CheckFailed(
                f"the database's schema revision is unclear ({exc}): run 'story-analytics db upgrade' "
                "against it, or look at its alembic_version table"
            ) from None
        except SQLAlchemyError as exc:
            first_line = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            where = redact_url(self.database_url)
            raise CheckFailed(f"cannot reach database {where}: {first_line}") from None
        finally:
            engine.dispose()

    def _database_through_app(self, head: str) -> str:
        """The database sits in private subnets; the app reports on it through /api/health.

        The app brings the schema to head before it answers at all, so "reachable" means "at head".
        """
        status, body = self._health
        database = body.get("database") if isinstance(body, dict) else None
        if database is None:
            raise CheckFailed(
                f"{self.app_url}/api/health does not report on the database (HTTP {status}); pass "
                "database_url (e.g. through an SSH tunnel) to check it directly"
            )
        if database != "ok":
            raise CheckFailed(f"the app reports its database as {database!r}: see the service's logs")
        return f"reachable from the app, which upgrades the schema to head ({head}) before it starts"

    def _service_resource(self) -> dict[str, Any]:
        for resource in self.resources:
            if resource.get("ResourceType") in SERVICE_TYPES:  # moto also lists parameters, untyped
                return resource
        raise CheckFailed(f"stack {self.stack_name!r} has no Lambda, App Runner or ECS Express service")

    def _service(self) -> str:
        resource = self._service_resource()
        state = resource.get("ResourceStatus", "UNKNOWN")
        kind = SERVICE_KINDS[resource["ResourceType"]]
        if state not in HEALTHY_STACK_STATES:
            reason = resource.get("ResourceStatusReason") or "see the stack's events"
            raise CheckFailed(f"the {kind} service is {state}: {reason}")
        image = self.parameters.get("ImageUri", "")
        repository, tag = _split_image(image)
        if not tag:
            raise CheckFailed(f"the service's image {image!r} has no tag")
        if tag == "latest":
            raise CheckFailed(f"the service runs {image!r}: images must have an immutable tag, not 'latest'")
        image_id = {"imageDigest": tag} if tag.startswith("sha256:") else {"imageTag": tag}
        try:
            self.client("ecr").describe_images(repositoryName=repository, imageIds=[image_id])
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            # ECR API reference, DescribeImages, Errors: ImageNotFoundException, RepositoryNotFoundException.
            if code in {"ImageNotFoundException", "RepositoryNotFoundException"}:
                raise CheckFailed(
                    f"the service's image {repository}:{tag} is not in ECR: push it again "
                    "(invoke deploy --update)"
                ) from None
            raise
        return f"{kind} service {state}, running image tag {tag} (found in ECR repository {repository})"

    service = check("Service")(_service)

    def _log_groups(self) -> list[str]:
        """The LogGroupName output (App Runner names its own group), else the stack's log groups."""
        if self.outputs.get("LogGroupName"):
            return [self.outputs["LogGroupName"]]
        groups = [
            str(r.get("PhysicalResourceId"))
            for r in self.resources
            if r.get("ResourceType") == "AWS::Logs::LogGroup"
        ]
        if not groups:
            raise CheckFailed(f"stack {self.stack_name!r} has no log group for the service")
        return groups

    def _recent_errors(self) -> str:
        logs = self.client("logs")
        since = int((time.time() - LOG_WINDOW_MINUTES * 60) * 1000)
        errors: list[str] = []
        lines = 0
        for group in self._log_groups():
            paginator = logs.get_paginator("filter_log_events")
            pages = paginator.paginate(
                logGroupName=group, startTime=since, PaginationConfig={"MaxItems": 5000}
            )
            for page in _pages_or_missing(pages, group):
                for event in page.get("events", []):
                    lines += 1
                    message = str(event.get("message", "")).strip()
                    if ERROR_LINE.search(message):
                        errors.append(message[:200])
        if errors:
            shown = " | ".join(errors[:3])
            raise CheckFailed(
                f"{len(errors)} error line(s) in the service's logs in the last "
                f"{LOG_WINDOW_MINUTES} minutes, e.g. {shown}"
            )
        return f"no errors in the last {LOG_WINDOW_MINUTES} minutes ({lines} log lines read)"

    recent_errors = check("Recent errors")(_recent_errors)

    # --- all together -----------------------------------------------------------------------------------
    def _published_charts(self) -> str:
        self._unless_stack_missing()
        return published_chart_through_cdn(
            self.client("cloudformation"), self.client("s3"), self.stack_name, self.http_timeout
        )

    published_charts = check("Published charts (CDN)")(_published_charts)

    def all_checks(self) -> list[Callable[[], CheckResult]]:
        return [
            self.stack_status,
            self.app_health,
            self.bucket_exists,
            self.bucket_private,
            self.bucket_encrypted,
            self.database,
            self.service,
            self.recent_errors,
            self.published_charts,
        ]

    def report(self) -> CheckReport:
        """Every check (reusing results already shown), in a fixed order."""
        report = CheckReport(self.stack_name)
        for run in self.all_checks():
            name = run.check_name  # type: ignore[attr-defined]
            report.results.append(self.results.get(name) or run())
        return report


def _pages_or_missing(pages: Any, group: str) -> Any:
    try:
        yield from pages
    except ClientError as exc:
        # An unknown log group: ResourceNotFoundException (CloudWatch Logs API reference, FilterLogEvents,
        # Errors).
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise CheckFailed(
                f"log group {group} does not exist: the service has not logged anything yet"
            ) from None
        raise


def _split_image(image: str) -> tuple[str, str]:
    """`acct.dkr.ecr.region.amazonaws.com/repo:tag` -> ("repo", "tag"); digests as "sha256:..."."""
    path = image.split("/", 1)[1] if "/" in image else image
    if "@" in path:
        repository, digest = path.split("@", 1)
        return repository, digest
    repository, _, tag = path.rpartition(":") if ":" in path else (path, "", "")
    return repository, tag


def check_stack(
    region: str,
    stack_name: str = "story-analytics",
    *,
    endpoint_url: str | None = None,
    database_url: str | None = None,
) -> CheckReport:
    """Run every check of a stack and return the report (does not raise on failures)."""
    return StackChecker(region, stack_name, endpoint_url=endpoint_url, database_url=database_url).report()
