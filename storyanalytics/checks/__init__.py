"""Checks of a deployed stack (used by notebook 03 and `story-analytics check`)."""

from storyanalytics.checks.report import CheckReport, CheckResult, StackCheckFailed
from storyanalytics.checks.stack import CheckFailed, StackChecker, check_stack

__all__ = ["CheckFailed", "CheckReport", "CheckResult", "StackCheckFailed", "StackChecker", "check_stack"]
