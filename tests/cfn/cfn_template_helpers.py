"""Helpers for the CloudFormation template tests: paths and the templates parsed with cfn-lint's loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode.cfn_yaml import load

import storyanalytics

CFN_DIR = Path(storyanalytics.__file__).parent / "cfn"
REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
SAMPLE_IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/story-analytics:0123abc"


def template_path(name: str) -> Path:
    return CFN_DIR / f"{name}.yaml"


def load_template(name: str) -> dict[str, Any]:
    """The template as plain dicts; intrinsic functions appear as {"Ref": ...}, {"Fn::GetAtt": [...]}."""
    return dict(load(str(template_path(name))))
