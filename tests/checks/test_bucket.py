"""The data bucket: a user learns whether it exists, is private (no public access block setting off, no
public ACL grant, no policy that lets anyone in) and is encrypted with a TLS-only policy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from checks_fakes import (
    ALL_USERS,
    BLOCK_ALL,
    BUCKET,
    BY_BUCKET,
    OWNER_GRANT,
    TLS_ONLY,
    Refusing,
    StubbedSession,
    failed,
    s3_bucket_policy,
    s3_encrypted_bucket,
    s3_finds_bucket,
    s3_no_bucket_policy,
    s3_private_bucket,
)

from storyanalytics.checks import StackChecker


# --- Bucket exists -----------------------------------------------------------------------------------
def test_an_existing_bucket_passes(checker: StackChecker, healthy_stack: None, aws: StubbedSession) -> None:
    s3_finds_bucket(aws)
    result = checker.bucket_exists()
    assert result.passed and result.detail == f"bucket {BUCKET!r} exists"


# HeadBucket has no error body: a missing bucket is a bare 404 and a refused one a bare 403, so botocore
# reports the status code as the error code (S3 API reference, HeadBucket: "A message body isn't
# included"); other S3 calls name it (NoSuchBucket, AccessDenied: S3 API reference, Error responses).
@pytest.mark.parametrize("code", ["404", "NoSuchBucket", "NotFound"])
def test_a_deleted_bucket_fails_telling_to_restore_or_redeploy(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, code: str
) -> None:
    aws.stub("s3").add_client_error("head_bucket", code, "Not Found", 404, expected_params=BY_BUCKET)
    assert failed(checker.bucket_exists()) == (
        f"bucket {BUCKET!r} (the stack's BucketName) does not exist: it was deleted outside the stack; "
        "restore it from a backup or redeploy"
    )


@pytest.mark.parametrize("code", ["403", "AccessDenied", "Forbidden"])
def test_a_bucket_these_credentials_cannot_see_fails_naming_the_profile(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, code: str
) -> None:
    aws.stub("s3").add_client_error("head_bucket", code, "Forbidden", 403)
    assert failed(checker.bucket_exists()) == (
        f"bucket {BUCKET!r} is not accessible with these credentials (access denied): "
        "check the AWS profile you are using"
    )


def test_another_bucket_error_fails_with_its_code_and_message(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    aws.stub("s3").add_client_error("head_bucket", "SlowDown", "Please reduce your request rate", 503)
    assert failed(checker.bucket_exists()) == "SlowDown: Please reduce your request rate"


@pytest.mark.parametrize(
    ("response", "detail"),
    [
        ({"Error": {"Code": "SlowDown", "Message": ""}}, "SlowDown"),
        ({"Error": {"Message": "Please reduce your request rate"}}, "Error: Please reduce your request rate"),
        ({"Error": {}}, "Error"),
        ({}, "Error"),
    ],
)
def test_an_aws_error_with_parts_missing_still_reads_cleanly(
    checker: StackChecker, healthy_stack: None, response: dict[str, Any], detail: str
) -> None:
    assert checker.bucket  # the stack is read before S3 starts refusing
    checker.client = lambda service: Refusing(response)  # type: ignore[method-assign]
    assert failed(checker.bucket_exists()) == detail


# --- Bucket private ----------------------------------------------------------------------------------
def test_a_private_bucket_passes(checker: StackChecker, healthy_stack: None, aws: StubbedSession) -> None:
    s3_private_bucket(aws)
    s3_no_bucket_policy(aws)
    result = checker.bucket_private()
    assert result.passed
    assert result.detail == f"bucket {BUCKET!r}: public access blocked, no public grants or policy"


def test_a_bucket_that_is_gone_is_not_called_private(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    aws.stub("s3").add_client_error("head_bucket", "404", "Not Found", 404)
    assert "does not exist" in failed(checker.bucket_private())


def test_a_bucket_without_a_public_access_block_fails(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # S3 API reference, Error responses: NoSuchPublicAccessBlockConfiguration (404).
    s3_finds_bucket(aws)
    aws.stub("s3").add_client_error(
        "get_public_access_block",
        "NoSuchPublicAccessBlockConfiguration",
        "not found",
        404,
        expected_params=BY_BUCKET,
    )
    assert failed(checker.bucket_private()) == f"bucket {BUCKET!r} has no public access block"


def test_a_public_access_block_that_cannot_be_read_fails_with_aws_reason(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_finds_bucket(aws)
    aws.stub("s3").add_client_error("get_public_access_block", "AccessDenied", "Access Denied", 403)
    assert failed(checker.bucket_private()) == "AccessDenied: Access Denied"


@pytest.mark.parametrize("setting", list(BLOCK_ALL))
def test_a_bucket_with_one_public_access_setting_off_fails_naming_it(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, setting: str
) -> None:
    s3_private_bucket(aws, {**BLOCK_ALL, setting: False})
    assert failed(checker.bucket_private()) == f"bucket {BUCKET!r} allows public access: {setting} off"


def test_a_bucket_with_settings_left_out_fails_naming_each(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_private_bucket(aws, {"BlockPublicAcls": True, "IgnorePublicAcls": True})
    assert failed(checker.bucket_private()) == (
        f"bucket {BUCKET!r} allows public access: BlockPublicPolicy, RestrictPublicBuckets off"
    )


def test_a_bucket_whose_acl_grants_everyone_fails(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # A public-read ACL grants READ to the AllUsers group, named by its URI (S3 User Guide, ACL overview).
    everyone = {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}
    s3_private_bucket(aws, grants=[OWNER_GRANT, everyone])
    assert failed(checker.bucket_private()) == f"bucket {BUCKET!r} grants access to everyone in its ACL"


def test_a_bucket_whose_acl_grants_every_aws_account_fails(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # AuthenticatedUsers is any AWS account, not this one's users (S3 User Guide, ACL overview).
    authenticated = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
    anyone_signed_in = {"Grantee": {"Type": "Group", "URI": authenticated}, "Permission": "READ"}
    s3_private_bucket(aws, grants=[OWNER_GRANT, anyone_signed_in])
    assert (
        failed(checker.bucket_private()) == f"bucket {BUCKET!r} grants access to every AWS account in its ACL"
    )


def test_a_bucket_whose_acl_grants_log_delivery_passes(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    log_delivery = "http://acs.amazonaws.com/groups/s3/LogDelivery"
    grants = [
        OWNER_GRANT,
        {"Grantee": {"Type": "Group", "URI": log_delivery}, "Permission": "WRITE"},
        {"Permission": "READ"},
    ]
    s3_private_bucket(aws, grants=grants)
    s3_no_bucket_policy(aws)
    assert checker.bucket_private().passed


def test_a_bucket_whose_acl_lists_no_grants_passes(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_private_bucket(aws, grants=[])
    s3_no_bucket_policy(aws)
    assert checker.bucket_private().passed


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::123456789012:root", "*"]}],
    ids=["star", "aws-star", "aws-list-with-star"],
)
@pytest.mark.parametrize("single", [False, True], ids=["statement-list", "single-statement"])
def test_a_bucket_whose_policy_lets_anyone_in_fails(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, principal: Any, single: bool
) -> None:
    s3_private_bucket(aws)
    public = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3_bucket_policy(aws, public, single=single)
    assert failed(checker.bucket_private()) == f"bucket {BUCKET!r} has a policy that allows anyone in"


def test_a_bucket_whose_policy_only_refuses_everyone_passes(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_private_bucket(aws)
    s3_bucket_policy(aws, TLS_ONLY)
    assert checker.bucket_private().passed


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": "arn:aws:iam::123456789012:root"},
        {"AWS": ["arn:aws:iam::123456789012:root"]},
        {"Service": "cloudfront.amazonaws.com"},
    ],
    ids=["one-account", "account-list", "service"],
)
def test_a_bucket_whose_policy_allows_named_principals_passes(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, principal: Any
) -> None:
    s3_private_bucket(aws)
    one = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"}
    s3_bucket_policy(aws, one)
    assert checker.bucket_private().passed


def test_a_policy_that_cannot_be_read_fails_with_aws_reason(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_private_bucket(aws)
    aws.stub("s3").add_client_error("get_bucket_policy", "AccessDenied", "Access Denied", 403)
    assert failed(checker.bucket_private()) == "AccessDenied: Access Denied"


@pytest.mark.parametrize("operation", ["get_public_access_block", "get_bucket_encryption"])
def test_a_bucket_setting_error_without_details_still_reads_cleanly(
    checker: StackChecker,
    healthy_stack: None,
    aws: StubbedSession,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
) -> None:
    s3_finds_bucket(aws)
    monkeypatch.setattr(aws.client("s3"), operation, getattr(Refusing({}), operation))
    check = checker.bucket_private if operation == "get_public_access_block" else checker.bucket_encrypted
    assert failed(check()) == "Error"


def test_an_acl_answer_without_grants_passes(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # Grants is optional in GetBucketAcl's answer (botocore's S3 model).
    s3_finds_bucket(aws)
    aws.stub("s3").add_response(
        "get_public_access_block", {"PublicAccessBlockConfiguration": BLOCK_ALL}, BY_BUCKET
    )
    aws.stub("s3").add_response("get_bucket_acl", {"Owner": {"ID": "abc123"}}, BY_BUCKET)
    s3_no_bucket_policy(aws)
    assert checker.bucket_private().passed


def test_a_policy_error_without_details_still_reads_cleanly(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3_private_bucket(aws)
    monkeypatch.setattr(aws.client("s3"), "get_bucket_policy", Refusing({}).get_bucket_policy)
    assert failed(checker.bucket_private()) == "Error"


def test_a_policy_without_statements_lets_no_one_in(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_private_bucket(aws)
    aws.stub("s3").add_response(
        "get_bucket_policy", {"Policy": json.dumps({"Version": "2012-10-17"})}, BY_BUCKET
    )
    assert checker.bucket_private().passed


# --- Bucket encrypted --------------------------------------------------------------------------------
def test_an_encrypted_tls_only_bucket_passes_naming_its_algorithms(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_encrypted_bucket(aws, "aws:kms", "AES256", "aws:kms")
    s3_bucket_policy(aws, TLS_ONLY)
    result = checker.bucket_encrypted()
    assert result.passed
    assert result.detail == f"bucket {BUCKET!r}: encrypted at rest (AES256, aws:kms), TLS-only policy"


def test_a_rule_without_a_default_algorithm_shows_as_unknown(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_encrypted_bucket(aws, None)
    s3_bucket_policy(aws, TLS_ONLY)
    assert checker.bucket_encrypted().detail == f"bucket {BUCKET!r}: encrypted at rest (?), TLS-only policy"


def test_a_bucket_without_default_encryption_fails(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    # S3 API reference, Error responses: ServerSideEncryptionConfigurationNotFoundError (404).
    s3_finds_bucket(aws)
    aws.stub("s3").add_client_error(
        "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError", "not found", 404,
        expected_params=BY_BUCKET,
    )  # fmt: skip
    assert failed(checker.bucket_encrypted()) == f"bucket {BUCKET!r} has no default encryption"


def test_an_encryption_setting_that_cannot_be_read_fails_with_aws_reason(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_finds_bucket(aws)
    aws.stub("s3").add_client_error("get_bucket_encryption", "AccessDenied", "Access Denied", 403)
    assert failed(checker.bucket_encrypted()) == "AccessDenied: Access Denied"


def test_a_bucket_that_is_gone_is_not_called_encrypted(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    aws.stub("s3").add_client_error("head_bucket", "404", "Not Found", 404)
    assert "does not exist" in failed(checker.bucket_encrypted())


def _not_tls_only(algorithms: str = "AES256") -> str:
    return (
        f"bucket {BUCKET!r} is encrypted at rest ({algorithms}) but its policy does not refuse plain-HTTP "
        "access (aws:SecureTransport)"
    )


def test_a_bucket_not_tls_only_names_each_of_its_algorithms(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_encrypted_bucket(aws, "aws:kms", "AES256")
    s3_no_bucket_policy(aws)
    assert failed(checker.bucket_encrypted()) == _not_tls_only("AES256, aws:kms")


def test_an_encrypted_bucket_without_a_policy_fails_as_not_tls_only(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_encrypted_bucket(aws, "AES256")
    s3_no_bucket_policy(aws)
    assert failed(checker.bucket_encrypted()) == _not_tls_only()


@pytest.mark.parametrize(
    "statement",
    [
        {**TLS_ONLY, "Effect": "Allow"},
        {**TLS_ONLY, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {**TLS_ONLY, "Condition": {"Bool": {"aws:ViaAWSService": "false"}}},
        {**TLS_ONLY, "Condition": {"StringEquals": {"aws:SecureTransport": "false"}}},
        {key: value for key, value in TLS_ONLY.items() if key != "Condition"},
    ],
    ids=["allow", "refuses-tls", "other-key", "other-operator", "unconditional-deny"],
)
def test_a_policy_that_does_not_refuse_plain_http_fails(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession, statement: dict[str, Any]
) -> None:
    s3_encrypted_bucket(aws, "AES256")
    s3_bucket_policy(aws, statement)
    assert failed(checker.bucket_encrypted()) == _not_tls_only()


def test_a_tls_only_statement_among_others_counts(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_encrypted_bucket(aws, "AES256")
    other = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
    }
    s3_bucket_policy(aws, other, TLS_ONLY)
    assert checker.bucket_encrypted().passed


def test_a_tls_only_statement_written_as_a_list_counts(
    checker: StackChecker, healthy_stack: None, aws: StubbedSession
) -> None:
    s3_encrypted_bucket(aws, "AES256")
    s3_bucket_policy(
        aws, {**TLS_ONLY, "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}, single=True
    )
    assert checker.bucket_encrypted().passed
