"""The stack name, checked against the strictest rule of every name derived from it, before any AWS call.

The stack name becomes the App Runner / ECS service name, the ECR repository name (lowercased), and the
prefix of the names CloudFormation generates for the database instance and the buckets; a name one of
them refuses fails deep into a deploy, so it is refused here instead.
"""

from __future__ import annotations

import re

from storyanalytics.deploy.errors import PreflightError

# App Runner ServiceName: 4-40 characters, [A-Za-z0-9][A-Za-z0-9-_]{3,39}
#   (botocore/data/apprunner/2020-05-15/service-2.json, shape ServiceName)
MIN_LENGTH, MAX_LENGTH = 4, 40
# CloudFormation stack names start with a letter and hold letters, digits and hyphens
#   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html, StackName);
# the RDS instance identifier derived from it cannot end with a hyphen or hold two in a row
#   (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html);
# lowercased, it is then also a valid ECR repository name
#   (botocore/data/ecr/2015-09-21/service-2.json, shape RepositoryName) and bucket-name prefix.
STACK_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$")


def stack_name_problem(name: str) -> str | None:
    """Why `name` cannot be a Story Analytics stack name, or None when it can."""
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return (
            f"is {len(name)} characters long; use {MIN_LENGTH} to {MAX_LENGTH} (App Runner's limit for "
            "the service name, the strictest of the names made from it)"
        )
    if not STACK_NAME_PATTERN.match(name):
        return (
            "must start with a letter and hold only letters, digits and single hyphens, not at the end "
            "(CloudFormation, RDS and ECR rules for the names made from it)"
        )
    return None


def check_stack_name(name: str) -> str:
    """`name`, or a PreflightError saying what to change (no AWS call)."""
    problem = stack_name_problem(name)
    if problem:
        raise PreflightError(
            f"Stack name {name!r} {problem}: pass another --stack-name, e.g. story-analytics."
        )
    return name
