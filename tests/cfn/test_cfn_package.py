"""The templates ship inside the package (one copy), and the library loads them by name."""

from __future__ import annotations

import pytest
from cfn_template_helpers import CFN_DIR, REPO_ROOT

from storyanalytics.cfn import MAX_INLINE_TEMPLATE_BYTES, TEMPLATE_NAMES, template_text
from storyanalytics.errors import StoryAnalyticsError


def test_top_level_cfn_folder_is_the_packaged_templates() -> None:
    top_level = REPO_ROOT / "cfn"
    assert top_level.is_symlink()
    assert top_level.resolve() == CFN_DIR.resolve()


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_library_loads_each_template_by_name(name: str) -> None:
    assert template_text(name) == (CFN_DIR / f"{name}.yaml").read_text(encoding="utf-8")


def test_unknown_template_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(StoryAnalyticsError, match="bootstrap, app"):
        template_text("../app")


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_fits_in_an_inline_cloudformation_request(name: str) -> None:
    assert len(template_text(name).encode()) < MAX_INLINE_TEMPLATE_BYTES
