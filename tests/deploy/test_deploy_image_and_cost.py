"""Image build/push through a recording runner, and the cost estimate."""

from __future__ import annotations

import base64
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from deploy_fakes import RecordingRunner

from storyanalytics.deploy import ImageError, estimate_cost
from storyanalytics.deploy.cost import PRICES_AS_OF
from storyanalytics.deploy.image import BuiltImage, build_image, docker_version, image_tag, push_image

PASSWORD = "eyJwYXlsb2FkIjoic2VjcmV0LXRva2VuIn0-very-secret"
REGISTRY = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
REPO_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/story-analytics"


def test_build_runs_docker_build_for_the_cloud_platform(project_dir: Path, runner: RecordingRunner) -> None:
    built = build_image(runner, project_dir, "git-0123456789ab")
    assert built.local_ref == "story-analytics:git-0123456789ab"
    assert runner.calls == [
        [
            "docker",
            "build",
            "--platform",
            "linux/amd64",
            "--provenance=false",
            "--sbom=false",
            "--file",
            "Dockerfile",
            "--tag",
            built.local_ref,
            ".",
        ]
    ]


def test_build_without_dockerfile_is_refused(tmp_path: Path, runner: RecordingRunner) -> None:
    with pytest.raises(ImageError, match="There is no Dockerfile"):
        build_image(runner, tmp_path, "t")
    assert runner.calls == []


def _ecr_granting_a_login(stubber: Stubber) -> None:
    """The ECR answer that hands out PASSWORD for REGISTRY."""
    token = base64.b64encode(f"AWS:{PASSWORD}".encode()).decode()
    stubber.add_response(
        "get_authorization_token",
        {"authorizationData": [{"authorizationToken": token, "proxyEndpoint": REGISTRY}]},
    )


def test_push_sends_the_ecr_password_only_on_stdin(runner: RecordingRunner) -> None:
    ecr = boto3.client("ecr", region_name="us-east-1")
    with Stubber(ecr) as stubber:
        _ecr_granting_a_login(stubber)
        stubber.add_response(
            "describe_images",
            {"imageDetails": [{"imageDigest": "sha256:" + "a" * 64, "imageTags": ["t1"]}]},
            {"repositoryName": "story-analytics", "imageIds": [{"imageTag": "t1"}]},
        )
        uri = push_image(runner, ecr, BuiltImage("story-analytics:t1", "t1"), REPO_URI, "story-analytics")
    assert uri == f"{REPO_URI}:t1"
    assert runner.calls == [
        ["docker", "login", "--username", "AWS", "--password-stdin", REGISTRY],
        ["docker", "tag", "story-analytics:t1", f"{REPO_URI}:t1"],
        ["docker", "push", f"{REPO_URI}:t1"],
    ]
    assert runner.inputs[0] == PASSWORD
    assert all(PASSWORD not in " ".join(call) for call in runner.calls)
    assert all(PASSWORD not in output for output in runner.outputs)


def test_failed_login_hides_the_password_in_the_error() -> None:
    class LeakyRunner(RecordingRunner):
        def __call__(self, args, *, input=None, cwd=None):  # type: ignore[no-untyped-def]
            from storyanalytics.deploy.image import CommandResult

            return CommandResult(1, "", f"Error: bad credentials {input}")

    ecr = boto3.client("ecr", region_name="us-east-1")
    with Stubber(ecr) as stubber:
        _ecr_granting_a_login(stubber)
        with pytest.raises(ImageError) as caught:
            push_image(
                LeakyRunner(), ecr, BuiltImage("story-analytics:t1", "t1"), REPO_URI, "story-analytics"
            )
    assert PASSWORD not in str(caught.value) and "***" in str(caught.value)


def test_tag_is_the_git_commit_when_clean(project_dir: Path) -> None:
    assert image_tag(RecordingRunner(sha="0123456789ab"), project_dir) == "git-0123456789ab"


def test_tag_of_a_dirty_tree_carries_a_digest_of_the_changes(project_dir: Path) -> None:
    first = image_tag(RecordingRunner(dirty=" M app.py\n"), project_dir)
    second = image_tag(RecordingRunner(dirty=" M other.py\n"), project_dir)
    assert first.startswith("git-0123456789ab-dirty-") and first != second


def test_tag_outside_git_is_a_content_digest(project_dir: Path) -> None:
    from storyanalytics.deploy.image import CommandResult

    def no_git(args, *, input=None, cwd=None):  # type: ignore[no-untyped-def]
        return CommandResult(128, "", "fatal: not a git repository")

    tag = image_tag(no_git, project_dir)
    (project_dir / "app.py").write_text("print(1)\n")
    assert tag.startswith("src-") and image_tag(no_git, project_dir) != tag


def test_docker_absent_and_docker_stopped_are_told_apart() -> None:
    with pytest.raises(ImageError, match="not installed"):
        docker_version(RecordingRunner(docker=False))
    from storyanalytics.deploy.image import CommandResult

    with pytest.raises(ImageError, match="engine is not running"):
        docker_version(lambda args, **kw: CommandResult(1, "", "Cannot connect to the Docker daemon"))


def test_cost_for_ecs_express_names_load_balancer_and_fargate() -> None:
    estimate = estimate_cost(region="us-east-1", compute="ecs-express", cpu="512", memory="1024")
    parts = {line.part: line.monthly_usd for line in estimate.lines}
    assert parts["Fargate tasks (ECS Express)"] == pytest.approx(
        (0.5 * 0.04048 + 1 * 0.004445) * 730, abs=0.01
    )
    assert "Application Load Balancer" in parts and "RDS PostgreSQL db.t4g.micro" in parts
    assert estimate.total == pytest.approx(sum(parts.values()), abs=0.01)
    assert PRICES_AS_OF.isoformat() in estimate.note and "estimate" in estimate.note.lower()


def test_cost_for_apprunner_has_no_load_balancer() -> None:
    estimate = estimate_cost(region="eu-west-1", compute="apprunner", cpu="1024", memory="2048")
    parts = [line.part for line in estimate.lines]
    assert "App Runner memory" in parts and "Application Load Balancer" not in parts
    assert "eu-west-1" in estimate.note


def test_nat_adds_its_monthly_cost() -> None:
    without = estimate_cost(region="us-east-1", compute="apprunner", cpu="1024", memory="2048")
    with_nat = estimate_cost(
        region="us-east-1", compute="apprunner", cpu="1024", memory="2048", enable_nat=True
    )
    assert with_nat.total - without.total > 30


def _edge_lines(**usage: float) -> dict[str, float]:
    from storyanalytics.deploy.pricing import Usage

    estimate = estimate_cost(
        region="us-east-1", compute="lambda", cpu="1024", memory="2048", edge=True, usage=Usage(**usage)
    )
    return {line.part: line.monthly_usd for line in estimate.lines if "CloudFront" in line.part}


def test_a_small_edge_costs_nothing_inside_cloudfronts_free_tier() -> None:
    assert _edge_lines() == {
        "CloudFront (published charts)": 0.0,
        "CloudFront Function + invalidations (edge)": 0.0,
    }


def test_edge_traffic_beyond_the_free_tier_is_priced_per_gb_and_request() -> None:
    lines = _edge_lines(cdn_gb=1024 + 100, cdn_requests=20_000_000)
    assert lines["CloudFront (published charts)"] == pytest.approx(100 * 0.085 + 1000 * 0.01, abs=0.01)


def test_page_function_and_invalidations_beyond_their_free_tiers_are_priced() -> None:
    lines = _edge_lines(cdn_page_views=12_000_000, invalidation_paths=3_000)
    assert lines["CloudFront Function + invalidations (edge)"] == pytest.approx(
        10 * 0.10 + 2_000 * 0.005, abs=0.01
    )
