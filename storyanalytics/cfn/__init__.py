"""The CloudFormation templates, shipped inside the package so an installed library can deploy itself.

`cfn/` at the top of the repository is a symlink to this folder: one copy, editable in place.
"""

from __future__ import annotations

from importlib import resources

from storyanalytics.errors import StoryAnalyticsError

TEMPLATE_NAMES = ("bootstrap", "app")
# CloudFormation takes at most this many bytes as TemplateBody; bigger templates go through S3.
MAX_INLINE_TEMPLATE_BYTES = 51_200


def template_text(name: str) -> str:
    """The YAML text of the template `name` ("bootstrap" or "app")."""
    if name not in TEMPLATE_NAMES:
        raise StoryAnalyticsError(
            f"There is no CloudFormation template called {name!r}: use one of {', '.join(TEMPLATE_NAMES)}."
        )
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
