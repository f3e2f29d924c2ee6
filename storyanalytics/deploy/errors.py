"""Errors of the deploy flow: each one is a sentence that says what happened and what to do."""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from storyanalytics.errors import StoryAnalyticsError


class DeployError(StoryAnalyticsError):
    """A deploy step failed. `details` holds extra lines (e.g. the service's last log lines) to show."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details: list[str] = list(details or [])


class DeployTimeout(DeployError):
    """The stack did not settle within the time limit; `in_progress` names what was still running."""

    def __init__(self, message: str, *, in_progress: list[str] | None = None) -> None:
        super().__init__(message)
        self.in_progress: list[str] = list(in_progress or [])


class PreflightError(DeployError):
    """A check before anything is created failed; nothing was created."""


class ImageError(DeployError):
    """Building, pushing or finding the container image failed."""


class Cancelled(DeployError):
    """The user declined a confirmation; nothing (more) was changed."""


def aws_error_message(exc: BaseException) -> str:
    """One sentence for an AWS SDK error, without request ids, tracebacks or secrets."""
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return (
            "no AWS credentials were found: run `aws configure` (or `aws sso login`) or set AWS_PROFILE, "
            "then try again"
        )
    if isinstance(exc, NoRegionError):
        return "no AWS region is set: pass --region (for example --region us-east-1)"
    if isinstance(exc, EndpointConnectionError):
        return f"could not reach AWS at {exc.kwargs.get('endpoint_url', 'its endpoint')}: check the network"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Error")
        message = (error.get("Message") or "").strip().rstrip(".")
        return f"{code}: {message}" if message else str(code)
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(":") if text else type(exc).__name__


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, or '' for anything else."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""
