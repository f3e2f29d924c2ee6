"""Service: a user learns whether the app's service deployed and runs an immutable image that is in ECR."""

from __future__ import annotations

import pytest
from checks_fakes import (
    IMAGE_REPOSITORY,
    Refusing,
    StubbedSession,
    Web,
    describe_stack,
    failed,
    outputs,
    resource,
    stack_resources,
)

from storyanalytics.checks import StackChecker

ECS = "AWS::ECS::ExpressGatewayService"
DIGEST = "sha256:" + "ab" * 32


def _image_in_ecr(aws: StubbedSession, image_id: dict[str, str], repository: str = IMAGE_REPOSITORY) -> None:
    aws.stub("ecr").add_response(
        "describe_images",
        {"imageDetails": [{"repositoryName": repository, "imageDigest": DIGEST, "imageTags": ["v42"]}]},
        {"repositoryName": repository, "imageIds": [image_id]},
    )


def _stack_with_image(aws: StubbedSession, web: Web, image: str) -> None:
    describe_stack(aws, outputs(web), image=image)


@pytest.mark.parametrize(
    ("kind", "shown"),
    [(ECS, "ECS Express"), ("AWS::AppRunner::Service", "App Runner"), ("AWS::Lambda::Function", "Lambda")],
)
def test_a_complete_service_running_an_image_in_ecr_passes(
    checker: StackChecker, aws: StubbedSession, web: Web, kind: str, shown: str
) -> None:
    stack_resources(aws, resource("Bucket", "AWS::S3::Bucket"), resource("Service", kind, "UPDATE_COMPLETE"))
    describe_stack(aws, outputs(web))
    _image_in_ecr(aws, {"imageTag": "v42"})
    result = checker.service()
    assert result.passed
    assert result.detail == (
        f"{shown} service UPDATE_COMPLETE, running image tag v42 (found in ECR repository {IMAGE_REPOSITORY})"
    )


def test_an_image_pinned_by_digest_is_looked_up_by_digest(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    stack_resources(aws, resource("Service", ECS))
    _stack_with_image(aws, web, f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@{DIGEST}")
    _image_in_ecr(aws, {"imageDigest": DIGEST}, repository="team/app")
    assert checker.service().detail.endswith(f"running image tag {DIGEST} (found in ECR repository team/app)")


@pytest.mark.parametrize(
    ("image", "repository"),
    [("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v7", "team/app"), ("app:v7", "app")],
    ids=["nested-repository", "no-registry"],
)
def test_an_image_is_looked_up_in_its_repository(
    checker: StackChecker, aws: StubbedSession, web: Web, image: str, repository: str
) -> None:
    stack_resources(aws, resource("Service", ECS))
    _stack_with_image(aws, web, image)
    _image_in_ecr(aws, {"imageTag": "v7"}, repository=repository)
    assert checker.service().passed


def test_a_failed_service_fails_with_cloudformations_reason(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    stack_resources(
        aws, resource("Service", ECS, "UPDATE_FAILED", ResourceStatusReason="Health check failed")
    )
    assert failed(checker.service()) == "the ECS Express service is UPDATE_FAILED: Health check failed"


def test_a_failed_service_without_a_reason_points_to_the_stacks_events(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    stack_resources(aws, resource("Service", "AWS::AppRunner::Service", "CREATE_FAILED"))
    assert failed(checker.service()) == "the App Runner service is CREATE_FAILED: see the stack's events"


def test_a_stack_without_a_service_fails(checker: StackChecker, aws: StubbedSession, web: Web) -> None:
    stack_resources(aws, resource("Bucket", "AWS::S3::Bucket"), resource("Logs", "AWS::Logs::LogGroup"))
    assert failed(checker.service()) == "stack 'sa-checks' has no Lambda, App Runner or ECS Express service"


@pytest.mark.parametrize(
    "image", ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", "localhost:5000/app", "app"]
)
def test_an_image_without_a_tag_fails(
    checker: StackChecker, aws: StubbedSession, web: Web, image: str
) -> None:
    stack_resources(aws, resource("Service", ECS))
    _stack_with_image(aws, web, image)
    assert failed(checker.service()) == f"the service's image {image!r} has no tag"


def test_an_image_tagged_latest_fails_asking_for_an_immutable_tag(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest"
    stack_resources(aws, resource("Service", ECS))
    _stack_with_image(aws, web, image)
    assert failed(checker.service()) == (
        f"the service runs {image!r}: images must have an immutable tag, not 'latest'"
    )


@pytest.mark.parametrize("without", ["ImageUri", "Parameters"], ids=["no-value", "no-parameters"])
def test_a_stack_without_an_image_parameter_fails_as_an_image_without_tag(
    checker: StackChecker, aws: StubbedSession, web: Web, without: str
) -> None:
    stack_resources(aws, resource("Service", ECS))
    describe_stack(aws, outputs(web), without=(without,))
    assert failed(checker.service()) == "the service's image '' has no tag"


def test_an_ecr_error_without_details_still_reads_cleanly(
    checker: StackChecker, aws: StubbedSession, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_resources(aws, resource("Service", ECS))
    describe_stack(aws, outputs(web))
    monkeypatch.setattr(aws.client("ecr"), "describe_images", Refusing({}).describe_images)
    assert failed(checker.service()) == "Error"


# ECR's DescribeImages answers ImageNotFoundException or RepositoryNotFoundException (ECR API reference,
# DescribeImages, "Errors").
@pytest.mark.parametrize("code", ["ImageNotFoundException", "RepositoryNotFoundException"])
def test_an_image_missing_from_ecr_fails_telling_to_push_it_again(
    checker: StackChecker, aws: StubbedSession, web: Web, code: str
) -> None:
    stack_resources(aws, resource("Service", ECS))
    describe_stack(aws, outputs(web))
    aws.stub("ecr").add_client_error("describe_images", code, "not found", 400)
    assert failed(checker.service()) == (
        f"the service's image {IMAGE_REPOSITORY}:v42 is not in ECR: push it again (invoke deploy --update)"
    )


def test_ecr_refusing_fails_with_its_code_and_message(
    checker: StackChecker, aws: StubbedSession, web: Web
) -> None:
    stack_resources(aws, resource("Service", ECS))
    describe_stack(aws, outputs(web))
    aws.stub("ecr").add_client_error("describe_images", "AccessDeniedException", "not authorized", 400)
    assert failed(checker.service()) == "AccessDeniedException: not authorized"
