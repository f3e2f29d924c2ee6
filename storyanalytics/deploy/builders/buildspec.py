"""The buildspec CodeBuild runs: log in to ECR, build the same Dockerfile, push one immutable tag.

Passed with every StartBuild (buildspecOverride), so the project's buildspec always matches the library
that starts the build. `--provenance=false --sbom=false` keep the pushed tag a single image manifest
(no attestation index), the same shape as `docker build` + `docker push` from a laptop.
"""

from __future__ import annotations

from storyanalytics.deploy.image import PLATFORM

# StartBuild passes REGISTRY, ECR_REGION, REPOSITORY_URI and IMAGE_TAG (environmentVariablesOverride);
# none of them is a secret.
# The push sample: aws ecr get-login-password | docker login, docker build, docker push.
# https://docs.aws.amazon.com/codebuild/latest/userguide/sample-docker.html
BUILDSPEC = f"""version: 0.2
phases:
  pre_build:
    commands:
      - echo "Logging in to $REGISTRY"
      - >-
        aws ecr get-login-password --region "$ECR_REGION"
        | docker login --username AWS --password-stdin "$REGISTRY"
  build:
    commands:
      - echo "Building $REPOSITORY_URI:$IMAGE_TAG"
      - >-
        docker buildx build --platform {PLATFORM} --provenance=false --sbom=false
        --file Dockerfile --tag "$REPOSITORY_URI:$IMAGE_TAG" --push .
"""
