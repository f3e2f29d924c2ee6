"""Nothing billable is left behind without saying so: a failed first deploy names what remains and how
to remove it, the image repository empties cleanly, the artifacts bucket is emptied before its stack
is deleted, and the stack tags stay the same across updates (Express service Tags are create-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from deploy_fakes import aws_client, event, moto_deployment

from storyanalytics.deploy import AwsDeployment, DeployError, StackEvent
from storyanalytics.deploy.leftovers import find_leftovers
from storyanalytics.deploy.repository import empty_repository

SMALL_APP = (Path(__file__).parent / "small_app.yaml").read_text()
NAME = "story-analytics"


def _client(service: str, endpoint: str) -> Any:
    return aws_client(service, endpoint)


def _deployment(endpoint: str, stack_name: str, project_dir: Path, **kwargs: Any) -> AwsDeployment:
    return moto_deployment(endpoint, stack_name, project_dir, app_template=SMALL_APP, **kwargs)


def _record(deployment: AwsDeployment, service: str, operations: list[tuple[str, dict[str, Any]]]) -> None:
    def before_call(params: dict[str, Any], model: Any, **_: Any) -> None:
        operations.append((model.name, params))

    deployment.client(service).meta.events.register("before-parameter-build", before_call)


def test_failed_create_names_the_kept_log_group_and_the_database_snapshot(moto_server: str) -> None:
    logs, rds, s3 = (_client(service, moto_server) for service in ("logs", "rds", "s3"))
    logs.create_log_group(logGroupName="sa-leftover-logs")
    rds.create_db_instance(
        DBInstanceIdentifier="sa-leftover-db", DBInstanceClass="db.t4g.micro", Engine="postgres"
    )
    rds.create_db_snapshot(DBInstanceIdentifier="sa-leftover-db", DBSnapshotIdentifier="sa-leftover-final")
    events = [
        StackEvent.from_api(
            event(NAME, 1, "LogGroup", "AWS::Logs::LogGroup", "DELETE_SKIPPED", physical="sa-leftover-logs")
        ),
        StackEvent.from_api(
            event(NAME, 2, "DataBucket", "AWS::S3::Bucket", "DELETE_SKIPPED", physical="sa-gone-bucket")
        ),
        StackEvent.from_api(
            event(NAME, 3, "Database", "AWS::RDS::DBInstance", "DELETE_COMPLETE", physical="sa-leftover-db")
        ),
    ]
    left = [str(item) for item in find_leftovers(events, logs=logs, rds=rds, s3=s3)]
    assert left == [
        "log group sa-leftover-logs "
        "(remove it with: aws logs delete-log-group --log-group-name sa-leftover-logs)",
        "database snapshot sa-leftover-final "
        "(remove it with: aws rds delete-db-snapshot --db-snapshot-identifier sa-leftover-final)",
    ]  # the bucket is gone (RetainExceptOnCreate), so it is not named


def _ecr_with(stubbed_responses: list[dict[str, Any]]) -> Any:
    ecr = boto3.client("ecr", region_name="us-east-1")
    stubber = Stubber(ecr)
    image_ids = [
        {"imageDigest": "sha256:" + "a" * 64, "imageTag": "v1"},
        {"imageDigest": "sha256:" + "b" * 64},
    ]
    stubber.add_response("list_images", {"imageIds": image_ids}, {"repositoryName": NAME})
    for response in stubbed_responses:
        stubber.add_response("batch_delete_image", response)
    stubber.activate()
    return ecr


def _empty(ecr: Any) -> None:
    deployment = AwsDeployment("us-east-1", NAME, None, clients={"ecr": ecr})
    empty_repository(deployment.client("ecr"), NAME)


def test_image_referenced_by_its_index_is_deleted_on_a_second_pass() -> None:
    child = {"imageDigest": "sha256:" + "a" * 64, "imageTag": "v1"}
    ecr = _ecr_with(
        [
            {
                "imageIds": [{"imageDigest": "sha256:" + "b" * 64}],
                "failures": [
                    {
                        "imageId": child,
                        "failureCode": "ImageReferencedByManifestList",
                        "failureReason": "Requested image referenced by manifest list",
                    }
                ],
            },
            {"imageIds": [child], "failures": []},
        ]
    )
    _empty(ecr)


def test_image_that_cannot_be_deleted_is_an_error_naming_the_code() -> None:
    ecr = _ecr_with(
        [
            {
                "imageIds": [{"imageDigest": "sha256:" + "b" * 64}],
                "failures": [
                    {
                        "imageId": {"imageDigest": "sha256:" + "a" * 64},
                        "failureCode": "KmsError",
                        "failureReason": "The KMS key is disabled",
                    }
                ],
            }
        ]
    )
    with pytest.raises(DeployError, match="KmsError: The KMS key is disabled"):
        _empty(ecr)


def test_artifacts_bucket_is_emptied_before_its_stack_is_deleted(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    first = _deployment(moto_server, stack_name, project_dir).deploy()
    artifacts = first.bootstrap.outputs["ArtifactsBucketName"] if first.bootstrap else ""
    _client("s3", moto_server).put_object(Bucket=artifacts, Key="cloudformation/app.yaml", Body=b"x")
    teardown = _deployment(moto_server, stack_name, project_dir)
    calls: list[tuple[str, dict[str, Any]]] = []
    _record(teardown, "s3", calls)
    _record(teardown, "cloudformation", calls)
    result = teardown.destroy(delete_data=True)
    assert result.bootstrap_deleted
    names = [
        (name, params.get("Bucket") or params.get("StackName"))
        for name, params in calls
        if name in {"DeleteObjects", "DeleteStack"}
    ]
    emptied = names.index(("DeleteObjects", artifacts))
    bootstrap_deleted = next(
        i for i, (name, target) in enumerate(names) if name == "DeleteStack" and "bootstrap" in str(target)
    )
    assert emptied < bootstrap_deleted


def test_stack_tags_are_identical_on_create_and_update(
    moto_server: str, stack_name: str, project_dir: Path
) -> None:
    create, update = _deployment(moto_server, stack_name, project_dir), None
    calls: list[tuple[str, dict[str, Any]]] = []
    _record(create, "cloudformation", calls)
    create.deploy()
    update = _deployment(moto_server, stack_name, project_dir, sha="fedcba987654")
    _record(update, "cloudformation", calls)
    update.update()
    app_tags = [
        params["Tags"]
        for name, params in calls
        if name == "CreateChangeSet" and params["StackName"] == stack_name
    ]
    assert len(app_tags) == 2 and app_tags[0] == app_tags[1]
