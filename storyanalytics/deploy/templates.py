"""The CloudFormation templates shipped with the package, and what their parameters declare."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from storyanalytics.deploy.errors import DeployError

TEMPLATE_NAMES = ("bootstrap", "app", "edge")
_SOURCE_CFN_DIR = Path(__file__).resolve().parents[2] / "cfn"


def load_template(name: str) -> str:
    """The text of cfn/<name>.yaml: packaged copy first, then the source checkout's cfn/ folder."""
    if name not in TEMPLATE_NAMES:
        raise DeployError(f"Unknown template {name!r}: use one of {', '.join(TEMPLATE_NAMES)}.")
    packaged = resources.files("storyanalytics").joinpath("cfn", f"{name}.yaml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    source = _SOURCE_CFN_DIR / f"{name}.yaml"
    if source.is_file():
        return source.read_text(encoding="utf-8")
    raise DeployError(
        f"The {name} CloudFormation template is missing from this installation: reinstall storyanalytics."
    )


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that reads CloudFormation short forms (!Ref, !Sub...) as plain values."""


def _any_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CfnLoader.add_multi_constructor("!", _any_tag)


def parse_template(body: str) -> dict[str, Any]:
    try:
        parsed = yaml.load(body, Loader=_CfnLoader)
    except yaml.YAMLError as exc:
        raise DeployError(f"The template is not valid YAML: {str(exc).splitlines()[0]}.") from None
    if not isinstance(parsed, dict):
        raise DeployError("The template is not a CloudFormation template (expected a mapping).")
    return parsed


def parameter_defaults(body: str) -> dict[str, str | None]:
    """Each declared parameter and its default (None when it has none)."""
    declared = parse_template(body).get("Parameters") or {}
    return {
        str(name): (None if spec.get("Default") is None else str(spec.get("Default")))
        for name, spec in declared.items()
        if isinstance(spec, dict)
    }
