"""Checks before anything is created: credentials, region, compute, the image builder, the stack name.

Each check ends in ok / fail / skip with one sentence; the first failure becomes the error message,
so the user learns what to fix while the account is still untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.builders import BuilderChoice, choose_builder
from storyanalytics.deploy.computes import COMPUTE_CHOICES, choices_text
from storyanalytics.deploy.errors import PreflightError, aws_error_message
from storyanalytics.deploy.image import CommandRunner
from storyanalytics.deploy.preflight_account import check_ecs
from storyanalytics.deploy.stack_name import stack_name_problem
from storyanalytics.naming import APP_TAG_KEY

APPRUNNER_CLOSED = "App Runner stopped accepting new customers on 2026-04-30"
# The template's LambdaConcurrency default: the most function instances at once, each holding at most two
# database connections. "You can reserve up to the Unreserved account concurrency value that is shown,
# minus 100": https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
LAMBDA_CONCURRENCY = 10
LAMBDA_UNRESERVED_MINIMUM = 100


@dataclass(frozen=True)
class PreflightCheck:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str


@dataclass
class PreflightReport:
    region: str
    stack_name: str
    compute: str
    checks: list[PreflightCheck] = field(default_factory=list)
    account: str | None = None
    identity_arn: str | None = None
    existing_stacks: dict[str, bool] = field(default_factory=dict)  # name -> exists (and is ours)
    lambda_concurrency: int | None = None  # what the account lets the function reserve (lambda only)
    builder: BuilderChoice | None = None  # None when no image is built in this run

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[PreflightCheck]:
        return [check for check in self.checks if check.status == "fail"]

    def add(self, name: str, status: str, detail: str) -> None:
        self.checks.append(PreflightCheck(name, status, detail))

    def raise_for_failures(self) -> None:
        if self.failures:
            raise PreflightError(f"{self.failures[0].detail} Nothing was created.")


ClientFactory = Callable[[str], Any]


def known_regions(session: Any) -> set[str]:
    """Every region the SDK knows, across partitions (aws, aws-cn, aws-us-gov...)."""
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("cloudformation", partition_name=partition))
    return regions


def run_preflight(
    *,
    session: Any,
    client: ClientFactory,
    region: str,
    stack_name: str,
    compute: str,
    stack_names: list[str],
    runner: CommandRunner | None,
    builder: str = "auto",
) -> PreflightReport:
    """`runner` is given when an image will be built (`builder` picks how); `stack_names` are checked."""
    report = PreflightReport(region=region, stack_name=stack_name, compute=compute)
    problem = stack_name_problem(stack_name)
    if problem:
        report.add("Stack name", "fail", f"Stack name {stack_name!r} {problem}: pass another --stack-name.")
    else:
        report.add("Stack name", "ok", stack_name)
    if compute not in COMPUTE_CHOICES:
        report.add("Compute", "fail", f"Compute {compute!r} is unknown: use --compute {choices_text()}.")
    if report.failures:
        return report  # what is wrong is known without asking AWS anything
    if region in known_regions(session):
        report.add("Region", "ok", region)
    else:
        report.add(
            "Region",
            "fail",
            f"Region {region!r} is not an AWS region: pass one like --region us-east-1 "
            "(list them with `aws ec2 describe-regions`).",
        )
        return report  # every further check would call a region that does not exist
    if not _check_credentials(report, client):
        return report
    if compute == "apprunner":
        _check_apprunner(report, session, client, region)
    elif compute == "lambda":
        _check_lambda(report, client)
    elif compute == "ecs-express":
        check_ecs(report.add, client)
    if runner is not None:
        try:
            report.builder = choose_builder(builder, runner)
            report.add("Builder", "ok", f"{report.builder.name}: {report.builder.reason}")
        except PreflightError as exc:
            report.add("Builder", "fail", str(exc))
    else:
        report.add("Builder", "skip", "no image is built in this run")
    for name in stack_names:
        _check_stack_name_free(report, client, name)
    return report


def _check_credentials(report: PreflightReport, client: ClientFactory) -> bool:
    try:
        identity = client("sts").get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        report.add("Credentials", "fail", f"AWS credentials do not work: {aws_error_message(exc)}.")
        return False
    report.account = str(identity["Account"])
    report.identity_arn = str(identity["Arn"])
    report.add("Credentials", "ok", f"account {report.account} as {report.identity_arn}")
    return True


def _check_apprunner(report: PreflightReport, session: Any, client: ClientFactory, region: str) -> None:
    advice = (
        f"{APPRUNNER_CLOSED}; use --compute lambda (the default) or ecs-express, which work on any account."
    )
    if region not in set(session.get_available_regions("apprunner")):
        report.add("Compute", "fail", f"App Runner is not offered in {region}: {advice}")
        return
    try:
        client("apprunner").list_services(MaxResults=1)
    except (ClientError, BotoCoreError) as exc:
        report.add(
            "Compute",
            "fail",
            f"App Runner is not usable by this account ({aws_error_message(exc)}): {advice}",
        )
        return
    report.add("Compute", "ok", "App Runner is usable by this account")


def _check_lambda(report: PreflightReport, client: ClientFactory) -> None:
    """Reserve LAMBDA_CONCURRENCY when the account can; a new account (quota 10) cannot, and its quota
    then caps the function at the same number of instances anyway."""
    try:
        # GetAccountSettings: AccountLimit.ConcurrentExecutions and UnreservedConcurrentExecutions,
        # https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
        limit = client("lambda").get_account_settings()["AccountLimit"]
    except (ClientError, BotoCoreError) as exc:
        report.add("Compute", "skip", f"Could not read the Lambda quotas ({aws_error_message(exc)}).")
        return
    unreserved = int(limit.get("UnreservedConcurrentExecutions", 0))
    if unreserved - LAMBDA_CONCURRENCY >= LAMBDA_UNRESERVED_MINIMUM:
        report.lambda_concurrency = LAMBDA_CONCURRENCY
        report.add("Compute", "ok", f"AWS Lambda: at most {LAMBDA_CONCURRENCY} instances at once (reserved)")
        return
    report.lambda_concurrency = 0
    report.add(
        "Compute",
        "ok",
        f"AWS Lambda: the account's concurrency quota ({limit.get('ConcurrentExecutions')}) is too small to "
        "reserve any (Lambda keeps 100 unreserved), so the quota itself caps the instances",
    )


def _check_stack_name_free(report: PreflightReport, client: ClientFactory, name: str) -> None:
    try:
        stacks = client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            report.existing_stacks[name] = False
            report.add(f"Stack {name}", "ok", "will be created")
            return
        report.add(f"Stack {name}", "fail", f"Could not look up stack {name}: {aws_error_message(exc)}.")
        return
    except BotoCoreError as exc:
        report.add(f"Stack {name}", "fail", f"Could not look up stack {name}: {aws_error_message(exc)}.")
        return
    tags = {tag["Key"]: tag["Value"] for tag in (stacks[0].get("Tags") or [])} if stacks else {}
    if APP_TAG_KEY not in tags:
        report.add(
            f"Stack {name}",
            "fail",
            f"A stack named {name} already exists and was not made by Story Analytics: "
            "choose another --stack-name.",
        )
        return
    report.existing_stacks[name] = True
    report.add(f"Stack {name}", "ok", f"exists ({stacks[0].get('StackStatus')}), will be updated")
