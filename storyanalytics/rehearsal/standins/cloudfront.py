"""REHEARSAL STAND-INS: the CloudFront resource types of cfn/edge.yaml, which moto's CloudFormation lacks.

They make the edge stack exist offline (ids shaped like CloudFront's). A distribution gets a
*.cloudfront.net name that nothing serves, except in the rehearsal, where its origin bucket's prefix is
served over HTTPS on loopback by the CloudFront stand-in (`cdn.serve_distributions`).
Registered with the other stand-ins by `storyanalytics.rehearsal.standins.install()`.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from storyanalytics.rehearsal.standins.cdn import distribution_address
from storyanalytics.rehearsal.standins.recorded import Recorded


class _CloudFrontResource(Recorded):
    """An id like CloudFront's (E + 13 uppercase letters and digits), the physical id and `Id`."""

    ATTRIBUTES = {"Id": "id"}

    @classmethod
    def identity(
        cls, resource_name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> tuple[str, dict[str, str]]:
        resource_id = "E" + mock_random.get_random_string(13, lower_case=False, include_digits=True).upper()
        attributes = {"Id": resource_id}
        if "DomainName" in cls.ATTRIBUTES:
            served = _serve_origin(properties)
            attributes["DomainName"] = served or f"d{resource_id.lower()}.cloudfront.net"
        return resource_id, attributes


def _serve_origin(properties: dict[str, Any]) -> str | None:
    """In the rehearsal, serve the first origin's bucket and prefix (OriginPath) on loopback."""
    origins = properties.get("DistributionConfig", {}).get("Origins") or []
    if not origins:
        return None
    bucket = str(origins[0].get("DomainName", "")).split(".s3.", 1)[0]
    prefix = str(origins[0].get("OriginPath", "")).strip("/")
    return distribution_address(bucket, prefix)


class RehearsalDistribution(_CloudFrontResource, CloudFormationModel):
    """Stand-in for AWS::CloudFront::Distribution."""

    CFN_TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = {"Id": "id", "DomainName": "domain"}
    REQUIRED = ("DistributionConfig",)


class RehearsalOriginAccessControl(_CloudFrontResource, CloudFormationModel):
    """Stand-in for AWS::CloudFront::OriginAccessControl."""

    CFN_TYPE = "AWS::CloudFront::OriginAccessControl"
    REQUIRED = ("OriginAccessControlConfig",)


class RehearsalCachePolicy(_CloudFrontResource, CloudFormationModel):
    """Stand-in for AWS::CloudFront::CachePolicy."""

    CFN_TYPE = "AWS::CloudFront::CachePolicy"
    REQUIRED = ("CachePolicyConfig",)


class RehearsalResponseHeadersPolicy(_CloudFrontResource, CloudFormationModel):
    """Stand-in for AWS::CloudFront::ResponseHeadersPolicy."""

    CFN_TYPE = "AWS::CloudFront::ResponseHeadersPolicy"
    REQUIRED = ("ResponseHeadersPolicyConfig",)


class RehearsalFunction(Recorded, CloudFormationModel):
    """Stand-in for AWS::CloudFront::Function (the embed pages' frame-ancestors function); offline the
    CloudFront stand-in (`cdn`) does what it does. Its ARN is shaped as CloudFormation documents it:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-functionassociation.html
    """

    CFN_TYPE = "AWS::CloudFront::Function"
    ATTRIBUTES = {"FunctionARN": "arn"}
    REQUIRED = ("Name", "FunctionCode", "FunctionConfig")

    @classmethod
    def identity(
        cls, resource_name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> tuple[str, dict[str, str]]:
        arn = f"arn:aws:cloudfront::{account_id}:function/{properties['Name']}"
        return arn, {"FunctionARN": arn}
