"""The templates ship inside the package (one copy), and the deployer loads them by name."""

from __future__ import annotations

import pytest
from cfn_template_helpers import CFN_DIR, REPO_ROOT

from storyanalytics.deploy.templates import TEMPLATE_NAMES, load_template

# CloudFormation takes at most this many bytes as TemplateBody; bigger templates must go through S3.
MAX_INLINE_TEMPLATE_BYTES = 51_200


def test_top_level_cfn_folder_is_the_packaged_templates() -> None:
    top_level = REPO_ROOT / "cfn"
    assert top_level.is_symlink()
    assert top_level.resolve() == CFN_DIR.resolve()


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_deployer_loads_the_packaged_template(name: str) -> None:
    assert load_template(name) == (CFN_DIR / f"{name}.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_fits_in_an_inline_cloudformation_request(name: str) -> None:
    assert len(load_template(name).encode()) < MAX_INLINE_TEMPLATE_BYTES
