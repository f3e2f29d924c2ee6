"""The computes the app can run on, one module each, behind the interface in `base`.

Add a compute by writing its module and listing its instance in COMPUTES; the CLI, notebooks,
preflight, cost estimate and template Rules read their choices from here.
"""

from __future__ import annotations

from storyanalytics.deploy.computes.apprunner import APPRUNNER
from storyanalytics.deploy.computes.base import Compute, Size, SizeError
from storyanalytics.deploy.computes.ecs_express import ECS_EXPRESS
from storyanalytics.deploy.computes.lambda_function import LAMBDA
from storyanalytics.deploy.errors import PreflightError

COMPUTES: dict[str, Compute] = {compute.name: compute for compute in (LAMBDA, ECS_EXPRESS, APPRUNNER)}
COMPUTE_CHOICES: tuple[str, ...] = tuple(COMPUTES)
# Lambda is the default: the cheapest (issue 11), and its cold start meets bench/cold_start.py idle.
DEFAULT_COMPUTE = LAMBDA.name


def choices_text() -> str:
    """'lambda, ecs-express or apprunner' (every compute, for error messages)."""
    names = list(COMPUTE_CHOICES)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def get_compute(name: str) -> Compute:
    """The compute called `name`, or a one-line error listing the choices."""
    try:
        return COMPUTES[name]
    except KeyError:
        raise PreflightError(f"Compute {name!r} is unknown: use --compute {choices_text()}.") from None


def check_size_for_any(cpu: str | int, memory: str | int) -> None:
    """Refuse a pair no compute can run (used before the compute is known, e.g. an existing stack's)."""
    errors: list[SizeError] = []
    for compute in COMPUTES.values():
        try:
            compute.check_size(cpu, memory)
            return
        except SizeError as exc:
            errors.append(exc)
    raise errors[0]


__all__ = [
    "COMPUTES",
    "COMPUTE_CHOICES",
    "DEFAULT_COMPUTE",
    "Compute",
    "Size",
    "SizeError",
    "check_size_for_any",
    "choices_text",
    "get_compute",
]
