"""The edge stack in the deploy flow: made before the app, its URL handed to the app, kept on destroy.

moto runs the real cfn/edge.yaml through the rehearsal's CloudFront stand-ins; ACM answers through
Stubber (shapes from the ACM API reference), Route 53 is moto's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from deploy_fakes import aws_client, moto_deployment

from storyanalytics.deploy import AwsDeployment
from storyanalytics.deploy.edge_stack import check_domain, ensure_certificate, hosted_zone_for
from storyanalytics.deploy.errors import DeployError, PreflightError
from storyanalytics.deploy.preflight import PreflightReport

SMALL_APP = (Path(__file__).parent / "small_app.yaml").read_text()
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


_client = aws_client
_deployment = moto_deployment


def _parameters(endpoint: str, stack: str) -> dict[str, str]:
    described = _client("cloudformation", endpoint).describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])}


def test_first_deploy_makes_the_edge_and_gives_the_app_its_bucket_and_url(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    result = _deployment(moto_server, stack_name, project_dir).deploy()

    assert result.edge is not None and result.public_url
    assert result.public_url.startswith("https://") and result.public_url.endswith(".cloudfront.net")
    app = _parameters(moto_server, stack_name)
    assert app["EdgeBucketName"] == result.edge.outputs["EdgeBucketName"]
    assert app["EdgeUrl"] == result.public_url
    assert "EdgeDistributionId" not in app  # invalidations are the edge stack's own


def test_the_public_url_survives_destroy_and_redeploy(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    first = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).deploy()
    teardown = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).destroy()
    assert first.public_url and any(first.public_url in note for note in teardown.notes)
    _client("s3", moto_server).head_bucket(Bucket=first.edge.outputs["EdgeBucketName"])  # type: ignore[union-attr]

    again = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).deploy()

    assert again.public_url == first.public_url


def test_destroy_with_delete_data_removes_the_edge_and_its_files(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    edge = _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).deploy().edge
    assert edge is not None
    bucket = edge.outputs["EdgeBucketName"]
    s3 = _client("s3", moto_server)
    s3.put_object(Bucket=bucket, Key="public/embed/abc", Body=b"<html></html>")

    _deployment(moto_server, stack_name, project_dir, app_template=SMALL_APP).destroy(delete_data=True)

    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_a_domain_that_is_not_a_host_name_is_refused_before_any_aws_call(project_dir: Path) -> None:
    with pytest.raises(PreflightError, match=r"--domain like charts\.example\.org"):
        AwsDeployment("us-east-1", "story-analytics", domain="https://charts.example.org")


def test_a_certificate_outside_us_east_1_fails_the_preflight(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    deployment = _deployment(
        moto_server,
        stack_name,
        project_dir,
        domain="charts.example.org",
        certificate_arn=CERT.replace("us-east-1", "eu-west-1"),
    )
    report = deployment.preflight(build=False)
    (failure,) = report.failures
    assert "not in us-east-1" in failure.detail and "--certificate-arn" in failure.detail


def test_the_route53_zone_of_a_domain_is_found_in_the_account(moto_server: str) -> None:
    route53 = _client("route53", moto_server)
    zone = route53.create_hosted_zone(Name="example.org", CallerReference="sa-test")["HostedZone"]["Id"]
    assert hosted_zone_for(route53, "charts.example.org") == zone.split("/")[-1]
    assert hosted_zone_for(route53, "charts.other.net") is None


def _acm_requesting_a_certificate() -> Any:
    """ACM stubbed: no certificate yet; the request, then its DNS validation record (API reference shapes)."""
    acm = boto3.client("acm", region_name="us-east-1")
    stubber = Stubber(acm)
    stubber.add_response("list_certificates", {"CertificateSummaryList": []})
    stubber.add_response("request_certificate", {"CertificateArn": CERT})
    stubber.add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": CERT,
                "DomainName": "charts.example.org",
                "Status": "PENDING_VALIDATION",
                "DomainValidationOptions": [
                    {
                        "DomainName": "charts.example.org",
                        "ResourceRecord": {
                            "Name": "_abc.charts.example.org.",
                            "Type": "CNAME",
                            "Value": "_xyz.acm-validations.aws.",
                        },
                    }
                ],
            }
        },
    )
    stubber.activate()
    return acm


def test_without_a_zone_here_the_validation_record_is_printed_to_add(moto_server: str) -> None:
    said: list[str] = []
    with pytest.raises(DeployError) as caught:
        ensure_certificate(
            _acm_requesting_a_certificate(),
            _client("route53", moto_server),
            "charts.example.org",
            None,
            say=said.append,
        )
    assert "_abc.charts.example.org. CNAME _xyz.acm-validations.aws." in str(caught.value)
    assert "run the same deploy again" in str(caught.value)
    assert CERT in said[0]


def test_with_the_zone_here_the_validation_record_is_written_to_route53(moto_server: str) -> None:
    route53 = _client("route53", moto_server)
    zone = route53.create_hosted_zone(Name="example.org", CallerReference="sa-test-2")["HostedZone"]["Id"]
    acm = _acm_requesting_a_certificate()
    waited: list[str] = []
    acm.get_waiter = lambda name: type(
        "W", (), {"wait": lambda self, **kw: waited.append(kw["CertificateArn"])}
    )()

    arn = ensure_certificate(acm, route53, "charts.example.org", zone.split("/")[-1], say=lambda _l: None)

    assert arn == CERT and waited == [CERT]
    records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert any(r["Name"] == "_abc.charts.example.org." and r["Type"] == "CNAME" for r in records)


def _acm_describing(domain: str, status: str) -> Any:
    """ACM stubbed: DescribeCertificate of CERT (shape from the ACM API reference)."""
    acm = boto3.client("acm", region_name="us-east-1")
    stubber = Stubber(acm)
    stubber.add_response(
        "describe_certificate",
        {"Certificate": {"CertificateArn": CERT, "DomainName": domain, "Status": status}},
        {"CertificateArn": CERT},
    )
    stubber.activate()
    return acm


@pytest.mark.parametrize(
    ("covers", "status", "problem"),
    [
        ("other.example.net", "ISSUED", "does not cover"),
        ("charts.example.org", "PENDING_VALIDATION", "not ISSUED"),
    ],
)
def test_the_preflight_refuses_a_certificate_the_domain_cannot_use(
    moto_server: str, covers: str, status: str, problem: str
) -> None:
    report = PreflightReport("us-east-1", "story-analytics", "lambda")
    check_domain(
        report, _acm_describing(covers, status), _client("route53", moto_server), "charts.example.org", CERT
    )
    (failure,) = report.failures
    assert (
        failure.name == "Certificate" and problem in failure.detail and "--certificate-arn" in failure.detail
    )


def test_the_preflight_says_where_the_domains_dns_records_go(moto_server: str) -> None:
    route53 = _client("route53", moto_server)
    route53.create_hosted_zone(Name="example.org", CallerReference="sa-preflight")
    here, elsewhere = (
        PreflightReport("us-east-1", "story-analytics", "lambda"),
        PreflightReport("us-east-1", "story-analytics", "lambda"),
    )
    check_domain(here, _acm_describing("*.example.org", "ISSUED"), route53, "charts.example.org", CERT)
    check_domain(elsewhere, None, route53, "charts.other.net", None)
    assert here.ok and "made for you" in here.checks[-1].detail
    assert elsewhere.ok and "CNAME at your DNS provider" in elsewhere.checks[-1].detail
    assert "will be requested" in elsewhere.checks[0].detail
