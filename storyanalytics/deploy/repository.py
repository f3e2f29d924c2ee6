"""The image repository in ECR, emptied before its stack is deleted (a stack deletes a repository only
when it is empty, or with EmptyOnDelete)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storyanalytics.deploy.errors import DeployError, aws_error_message, error_code


def empty_repository(ecr: Any, repository: str) -> None:
    """Delete every image; BatchDeleteImage reports refusals in `failures`, not as an error."""
    failures: list[dict[str, Any]] = []
    try:
        for page in ecr.get_paginator("list_images").paginate(repositoryName=repository):
            ids = page.get("imageIds", [])
            for start in range(0, len(ids), 100):
                response = ecr.batch_delete_image(
                    repositoryName=repository, imageIds=ids[start : start + 100]
                )
                failures.extend(response.get("failures", []))
    except (ClientError, BotoCoreError) as exc:
        if error_code(exc) == "RepositoryNotFoundException":
            return
        raise DeployError(
            f"Could not empty image repository {repository}: {aws_error_message(exc)}."
        ) from None
    # ImageFailureCode ImageReferencedByManifestList (botocore's ECR model): an index still points at
    # the image; the index itself was in the same listing, so a second pass deletes what is left.
    retry = [f["imageId"] for f in failures if f.get("failureCode") == "ImageReferencedByManifestList"]
    if retry:
        response = ecr.batch_delete_image(repositoryName=repository, imageIds=retry)
        failures = [f for f in failures if f.get("failureCode") != "ImageReferencedByManifestList"]
        failures.extend(response.get("failures", []))
    failures = [f for f in failures if f.get("failureCode") != "ImageNotFound"]
    if failures:
        first = failures[0]
        raise DeployError(
            f"Could not delete {len(failures)} image(s) from repository {repository}: "
            f"{first.get('failureCode')}: {first.get('failureReason')}. Delete them in the ECR console, "
            "then run the destroy again."
        )
