"""REHEARSAL STAND-INS: make moto's CloudFormation able to create the Story Analytics stacks offline.

`install()` registers stand-in models for the resource types moto lacks (one module a concept, on the
shared protocol in `base`: `services` for ECS Express and App Runner, `lambda_models`, `secrets_manager`,
`bucket_policy`, `build_project`, `cloudfront`, `recorded`) and fills the gaps in the ones it has (see
`moto_gaps`). This is the only implementation: the offline rehearsal uses it with a launcher that starts
the real app, the tests with `placeholder_launcher()` (nothing started). A real deploy never imports it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.rehearsal.standins.launcher import (
    PlaceholderLauncher,
    ServiceLauncher,
    ServiceSpec,
    get_launcher,
    placeholder_launcher,
    set_launcher,
)

if TYPE_CHECKING:
    from storyanalytics.rehearsal.standins.base import Standin

__all__ = [
    "PlaceholderLauncher",
    "ServiceLauncher",
    "ServiceSpec",
    "StandinConflictError",
    "created_services",
    "get_launcher",
    "install",
    "placeholder_launcher",
    "set_launcher",
]

_installed = False
_lock = threading.Lock()


class StandinConflictError(StoryAnalyticsError):
    """Another CloudFormation model claims a type the rehearsal stand-ins implement."""


def created_services() -> dict[str, object]:
    """The stand-in resources that currently exist, by physical id (tests read what a stack made)."""
    from storyanalytics.rehearsal.standins.base import live_resources

    return dict(live_resources)


def _standin_models() -> dict[str, type[Standin]]:
    """Every stand-in model by its type: importing their modules registers them (see `base.registered`)."""
    from storyanalytics.rehearsal.standins import (  # noqa: F401
        bucket_policy,
        build_project,
        cloudfront,
        lambda_models,
        recorded,
        secrets_manager,
        services,
    )
    from storyanalytics.rehearsal.standins.base import registered

    return dict(registered)


def _check_registration() -> None:
    """moto keeps the last model it sees per type, so a second model for a stand-in type would win or
    lose by import order; refuse that instead of letting registration order decide."""
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    ours = _standin_models()
    others = [
        model
        for model in CloudFormationModel.__subclasses__()
        if model.cloudformation_type() in ours and model is not ours[model.cloudformation_type()]
    ]
    if others:
        names = ", ".join(sorted(f"{m.__module__}.{m.__qualname__}" for m in others))
        raise StandinConflictError(
            f"Another CloudFormation model ({names}) claims a type the rehearsal stand-ins implement; "
            "remove it and use storyanalytics.rehearsal.standins instead."
        )
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def install() -> None:
    """Register the stand-ins with moto and fill its gaps (idempotent); call before moto parses a
    template. Checks on every call that no other model claims a stand-in type."""
    global _installed
    with _lock:
        if not _installed:
            from storyanalytics.rehearsal.standins import moto_gaps

            moto_gaps.install()
            _installed = True
        _check_registration()
