"""The edge stack (<stack>-edge, cfn/edge.yaml): CloudFront in front of the published files.

It is deployed before the app stack (the app is told the bucket, URL and distribution), kept on
`--destroy` like the data, and deleted only with `--destroy --delete-data`. A custom domain needs an
ACM certificate in us-east-1: an ARN given is checked, otherwise one is requested with DNS validation,
its record written to Route 53 when the zone is in this account, or printed for the user to add.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.buckets import empty_and_delete_bucket
from storyanalytics.deploy.errors import DeployError, aws_error_message
from storyanalytics.deploy.preflight import PreflightReport
from storyanalytics.deploy.stack_deployer import DeployResult
from storyanalytics.naming import APP_TAG_KEY

# CloudFront only uses ACM certificates from us-east-1:
# https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html
CERTIFICATE_REGION = "us-east-1"
EDGE_SUFFIX = "-edge"
# What the app stack takes from the edge stack's outputs.
APP_PARAMETERS = {
    "EdgeBucketName": "EdgeBucketName",
    "EdgeUrl": "PublicUrl",
}


def edge_stack_name(stack_name: str) -> str:
    return stack_name + EDGE_SUFFIX


def app_parameters(edge_outputs: dict[str, str], declared: dict[str, Any]) -> dict[str, str | None]:
    """The app stack's Edge* parameters from the edge stack's outputs (only those the template declares)."""
    return {name: edge_outputs.get(output) for name, output in APP_PARAMETERS.items() if name in declared}


@dataclass(frozen=True)
class ValidationRecord:
    name: str
    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.name} {self.type} {self.value}"


def hosted_zone_for(route53: Any, domain: str) -> str | None:
    """The id of the public Route 53 zone in this account that holds `domain` (longest match), or None."""
    best: tuple[int, str] | None = None
    wanted = domain.rstrip(".").lower() + "."
    for page in route53.get_paginator("list_hosted_zones").paginate():
        for zone in page.get("HostedZones", []):
            name = zone["Name"].lower()
            if zone.get("Config", {}).get("PrivateZone"):
                continue
            if (wanted == name or wanted.endswith("." + name)) and (best is None or len(name) > best[0]):
                # ListHostedZones ids read "/hostedzone/Z...", CloudFormation wants the bare id:
                # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-certificatemanager-certificate-domainvalidationoption.html
                best = (len(name), zone["Id"].split("/")[-1])
    return best[1] if best else None


def _covers(certificate: dict[str, Any], domain: str) -> bool:
    names = {certificate.get("DomainName", ""), *certificate.get("SubjectAlternativeNames", [])}
    parent = domain.split(".", 1)[-1]
    return domain in names or f"*.{parent}" in names


def check_certificate(acm: Any, arn: str, domain: str) -> str:
    """'' if the certificate can serve `domain` on CloudFront, else why not."""
    if f":acm:{CERTIFICATE_REGION}:" not in arn:
        return (
            f"certificate {arn} is not in {CERTIFICATE_REGION}; CloudFront only uses certificates from there"
        )
    try:
        certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    except (ClientError, BotoCoreError) as exc:
        return f"certificate {arn} cannot be read ({aws_error_message(exc)})"
    if not _covers(certificate, domain):
        return f"certificate {arn} does not cover {domain}"
    if certificate.get("Status") != "ISSUED":
        return f"certificate {arn} is {certificate.get('Status')}, not ISSUED yet"
    return ""


def check_domain(
    report: PreflightReport, acm: Any, route53: Any, domain: str, certificate_arn: str | None
) -> None:
    """Preflight lines for a custom domain: the certificate (if given) and where the DNS records go."""
    if certificate_arn:
        problem = check_certificate(acm, certificate_arn, domain)
        report.add(
            "Certificate",
            "fail" if problem else "ok",
            (problem + ": pass another --certificate-arn.")
            if problem
            else f"{certificate_arn} covers {domain}",
        )
    else:
        report.add(
            "Certificate",
            "ok",
            f"one will be requested for {domain} in {CERTIFICATE_REGION} (DNS validation)",
        )
    try:
        zone = hosted_zone_for(route53, domain)
    except (ClientError, BotoCoreError) as exc:
        report.add(
            "DNS",
            "skip",
            f"Route 53 zones cannot be listed ({aws_error_message(exc)}); add the records yourself.",
        )
        return
    if zone:
        report.add("DNS", "ok", f"Route 53 zone {zone} holds {domain}: its records are made for you")
    else:
        report.add(
            "DNS", "ok", f"no Route 53 zone for {domain} here: you will add a CNAME at your DNS provider"
        )


def _existing_certificate(acm: Any, domain: str) -> str | None:
    """A certificate for exactly `domain`, issued or waiting for validation (a previous deploy's)."""
    pages = acm.get_paginator("list_certificates").paginate(
        CertificateStatuses=["ISSUED", "PENDING_VALIDATION"]
    )
    for page in pages:
        for summary in page.get("CertificateSummaryList", []):
            if summary.get("DomainName") == domain:
                return str(summary["CertificateArn"])
    return None


def _validation_record(acm: Any, arn: str, sleep: Callable[[float], None]) -> ValidationRecord:
    """The CNAME ACM wants (DescribeCertificate fills ResourceRecord a few seconds after the request):
    https://docs.aws.amazon.com/acm/latest/APIReference/API_DomainValidation.html"""
    for _ in range(30):
        certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        for option in certificate.get("DomainValidationOptions", []):
            record = option.get("ResourceRecord")
            if record:
                return ValidationRecord(record["Name"], record["Type"], record["Value"])
        sleep(2)
    raise DeployError(f"ACM did not give the DNS validation record of {arn} within a minute: deploy again.")


def ensure_certificate(
    acm: Any,
    route53: Any,
    domain: str,
    zone_id: str | None,
    *,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """An ISSUED us-east-1 certificate for `domain`: reused, or requested and validated through DNS."""
    arn = _existing_certificate(acm, domain)
    if arn is None:
        # RequestCertificate with DNS validation:
        # https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
        arn = str(
            acm.request_certificate(
                DomainName=domain, ValidationMethod="DNS", IdempotencyToken=uuid.uuid4().hex[:32]
            )["CertificateArn"]
        )
        say(f"Requested a certificate for {domain} in {CERTIFICATE_REGION}: {arn}")
    elif not check_certificate(acm, arn, domain):
        return arn
    record = _validation_record(acm, arn, sleep)
    if zone_id is None:
        raise DeployError(
            f"Add this DNS record at your DNS provider to prove you own {domain}, wait until it resolves, "
            f"then run the same deploy again: {record}"
        )
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Comment": "ACM validation for Story Analytics",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": record.name,
                        "Type": record.type,
                        "TTL": 300,
                        "ResourceRecords": [{"Value": record.value}],
                    },
                }
            ],
        },
    )
    say(f"Added the validation record to Route 53 zone {zone_id}; waiting for ACM to issue the certificate")
    acm.get_waiter("certificate_validated").wait(
        CertificateArn=arn, WaiterConfig={"Delay": 15, "MaxAttempts": 60}
    )
    return arn


# --- the flow's two steps (called by AwsDeployment.deploy and .destroy) ---------------------------------
def deploy_edge(deployment: Any, *, dry_run: bool) -> DeployResult | None:
    """The edge stack, before the app (whose embed codes use its URL); None when turned off."""
    if not deployment.edge:
        return None
    deployment.ui.step(f"Published charts on the edge (stack {deployment.edge_stack_name}, CloudFront)")
    parameters: dict[str, str | None] = {}
    if deployment.domain:
        route53 = deployment.certificate_client("route53")
        zone = hosted_zone_for(route53, deployment.domain)
        certificate = deployment.certificate_arn
        if certificate is None and dry_run:
            deployment.ui.notice(f"Dry run: no certificate is requested for {deployment.domain}.")
        elif certificate is None:
            certificate = ensure_certificate(
                deployment.certificate_client("acm"),
                route53,
                deployment.domain,
                zone,
                say=deployment.ui.notice,
            )
        parameters.update(
            {"DomainName": deployment.domain, "CertificateArn": certificate or "", "HostedZoneId": zone or ""}
        )
    return deployment.deployer(deployment.edge_stack_name).deploy(
        deployment.edge_template,
        parameters,
        {APP_TAG_KEY: deployment.stack_name},
        dry_run=dry_run,
        **deployment.callbacks(),
    )


def destroy_edge(deployment: Any) -> None:
    """Only with --delete-data: the stack, then its retained bucket (emptied)."""
    deployer = deployment.deployer(deployment.edge_stack_name)
    bucket = deployer.outputs().get("EdgeBucketName")
    deployment.delete_confirmed(deployer)
    if bucket:
        empty_and_delete_bucket(deployment.client("s3"), bucket)
