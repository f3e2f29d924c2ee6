"""The edge template: a private bucket only its distribution reads (public/ only); the embed's headers;
invalidations and team allowlists handled on the edge side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import storyanalytics

PUBLISH = Path(storyanalytics.__file__).parent / "publish"


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


def test_the_templates_inline_functions_are_their_tested_sources(edge: dict[str, Any]) -> None:
    resources = edge["Resources"]
    lambda_code = resources["InvalidationFunction"]["Properties"]["Code"]["ZipFile"]
    viewer_code = resources["FrameAncestorsFunction"]["Properties"]["FunctionCode"]
    # After editing either source, paste it into cfn/edge.yaml at the same indentation.
    assert lambda_code == (PUBLISH / "invalidate_function.py").read_text(encoding="utf-8")
    assert viewer_code == (PUBLISH / "frame_ancestors_function.js").read_text(encoding="utf-8")


def test_the_invalidation_function_runs_outside_any_vpc_and_invalidates_only_this_distribution(
    edge: dict[str, Any],
) -> None:
    function = edge["Resources"]["InvalidationFunction"]["Properties"]
    assert "VpcConfig" not in function
    policy = edge["Resources"]["InvalidationRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    invalidate = next(s for s in policy["Statement"] if s["Sid"] == "InvalidateThisDistribution")
    assert invalidate["Action"] == "cloudfront:CreateInvalidation"
    assert invalidate["Resource"]["Fn::Sub"].endswith("distribution/${Distribution}")


def test_changes_under_the_public_prefix_of_this_bucket_reach_the_function_in_batches(
    edge: dict[str, Any],
) -> None:
    resources = edge["Resources"]
    events = resources["EdgeBucket"]["Properties"]["NotificationConfiguration"]["EventBridgeConfiguration"]
    assert events == {"EventBridgeEnabled": True}
    pattern = resources["PublicFilesChangedRule"]["Properties"]["EventPattern"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "EdgeBucket"}]
    assert pattern["detail"]["object"]["key"] == [{"prefix": "public/"}]
    assert pattern["detail"]["reason"] == [{"anything-but": "Lifecycle Expiration"}]
    (target,) = resources["PublicFilesChangedRule"]["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["InvalidationQueue", "Arn"]}
    source = resources["InvalidationEventSource"]["Properties"]
    assert source["EventSourceArn"] == {"Fn::GetAtt": ["InvalidationQueue", "Arn"]}
    assert source["BatchSize"] > 10 and source["MaximumBatchingWindowInSeconds"] >= 1
    redrive = resources["InvalidationQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["InvalidationDeadLetterQueue", "Arn"]}


def test_embed_pages_get_their_csp_from_the_frame_ancestors_function_not_a_fixed_policy(
    edge: dict[str, Any],
) -> None:
    config = edge["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    pages = config["DefaultCacheBehavior"]
    assert pages["FunctionAssociations"] == [
        {
            "EventType": "viewer-response",
            "FunctionARN": {"Fn::GetAtt": ["FrameAncestorsFunction", "FunctionARN"]},
        }
    ]
    policy = edge["Resources"][pages["ResponseHeadersPolicyId"]["Ref"]]["Properties"]
    assert "ContentSecurityPolicy" not in policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert edge["Resources"]["FrameAncestorsFunction"]["Properties"]["FunctionConfig"]["Runtime"] == (
        "cloudfront-js-2.0"
    )
