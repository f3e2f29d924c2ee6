"""Runbook notebooks: parameters checked up front, executed with papermill, copies kept without secrets."""

from storyanalytics.runbooks.kernel import KernelError, ensure_kernel
from storyanalytics.runbooks.params import (
    NotebookParameter,
    ParameterError,
    parse_parameter_pairs,
    read_parameters,
    validate_parameters,
    validate_region,
)
from storyanalytics.runbooks.runner import (
    NOTEBOOKS,
    NotebookError,
    NotebookFailed,
    NotebookRun,
    default_notebooks_dir,
    notebook_path,
    run_notebook,
)
from storyanalytics.runbooks.scrub import find_secrets, redact_text, scrub_notebook

__all__ = [
    "NOTEBOOKS",
    "KernelError",
    "NotebookError",
    "NotebookFailed",
    "NotebookParameter",
    "NotebookRun",
    "ParameterError",
    "default_notebooks_dir",
    "ensure_kernel",
    "find_secrets",
    "notebook_path",
    "parse_parameter_pairs",
    "read_parameters",
    "redact_text",
    "run_notebook",
    "scrub_notebook",
    "validate_parameters",
    "validate_region",
]
