"""The edge template: a private bucket only its distribution reads (public/ only); the embed's headers."""

from __future__ import annotations

from typing import Any


def _resources(edge: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in edge["Resources"].items() if r["Type"] == kind}


def test_edge_bucket_is_private_encrypted_and_kept(edge: dict[str, Any]) -> None:
    bucket = edge["Resources"]["EdgeBucket"]
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block[key] is True for key in block)
    assert bucket["Properties"]["BucketEncryption"]
    assert bucket["DeletionPolicy"] == "Retain"


def test_only_this_distribution_reads_and_only_the_public_prefix(edge: dict[str, Any]) -> None:
    statements = edge["Resources"]["EdgeBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
        assert "distribution/${Distribution}" in source["Fn::Sub"]
    reads = next(s for s in allows if s["Action"] == "s3:GetObject")
    assert reads["Resource"] == {"Fn::Sub": "${EdgeBucket.Arn}/public/*"}
    lists = next(s for s in allows if s["Action"] == "s3:ListBucket")
    assert lists["Condition"]["StringLike"] == {"s3:prefix": "public/*"}


def test_distribution_reads_the_public_prefix_through_origin_access_control(edge: dict[str, Any]) -> None:
    config = edge["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginPath"] == "/public"
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = edge["Resources"]["OriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["OriginAccessControlOriginType"]) == ("always", "s3")


def test_hashed_files_are_cached_a_year_and_pages_briefly(edge: dict[str, Any]) -> None:
    config = edge["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    policies = {
        name: r["Properties"]["CachePolicyConfig"]
        for name, r in _resources(edge, "AWS::CloudFront::CachePolicy").items()
    }
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    for pattern in ("/assets/*", "/data/*"):
        policy = policies[behaviors[pattern]["CachePolicyId"]["Ref"]]
        assert policy["MaxTTL"] == 31536000
    pages = policies[config["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]]
    assert pages["MaxTTL"] <= 300 and pages["MinTTL"] == 0
    for behavior in [config["DefaultCacheBehavior"], *behaviors.values()]:
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["Compress"] is True


def test_embed_headers_allow_framing_with_hsts_nosniff_and_a_strict_csp(edge: dict[str, Any]) -> None:
    policy = edge["Resources"]["EmbedHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    assert "FrameOptions" not in security
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors *" in csp


def test_custom_domain_gets_its_certificate_and_a_route53_alias(edge: dict[str, Any]) -> None:
    config = edge["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    with_cert = config["ViewerCertificate"]["Fn::If"][1]
    assert with_cert["SslSupportMethod"] == "sni-only"
    assert with_cert["MinimumProtocolVersion"] == "TLSv1.2_2021"
    record = edge["Resources"]["AliasRecord"]
    assert record["Condition"] == "HasZone"
    assert record["Properties"]["AliasTarget"]["HostedZoneId"] == "Z2FDTNDATAQYW2"
