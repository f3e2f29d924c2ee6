"""Themes: the nine built-ins and the rules for custom ones."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from apiclient import Api

from storyanalytics.api.services import themes


def test_there_are_nine_builtin_themes_with_unique_ids() -> None:
    ids = [theme.id for theme in themes.builtin_themes()]
    assert len(ids) == 9
    assert len(set(ids)) == 9
    assert ids[0] == themes.DEFAULT_THEME_ID


def test_builtin_themes_are_complete() -> None:
    for theme in themes.builtin_themes():
        assert theme.builtin and theme.base_theme == theme.id
        assert theme.fonts.family and theme.fonts.title_size > theme.fonts.body_size
        assert set(theme.colors.model_dump()) == {"background", "text", "muted", "grid", "axis"}
        assert len(theme.palette) >= 8
        assert len(set(theme.palette)) == len(theme.palette)


def test_builtin_themes_are_distinct() -> None:
    looks = {
        (t.colors.background, t.colors.text, tuple(t.palette), t.fonts.family)
        for t in themes.builtin_themes()
    }
    assert len(looks) == 9
    palettes = {tuple(t.palette) for t in themes.builtin_themes()}
    assert len(palettes) == 9


def test_builtin_copies_cannot_change_the_originals() -> None:
    copy = themes.builtin_themes()[0]
    copy.palette[0] = "#000000"
    copy.colors.background = "#123456"
    assert themes.get_builtin("default") == themes.BUILTIN_BY_ID["default"]
    assert themes.BUILTIN_BY_ID["default"].palette[0] != "#000000"


def test_overrides_replace_only_the_given_parts() -> None:
    base = themes.require_base("dark")
    overrides = themes.parse_overrides({"colors": {"background": "#ABCDEF"}, "fonts": {"title_size": 30}})
    merged = themes.apply_overrides(base, overrides)
    assert merged.colors.background == "#abcdef"
    assert merged.colors.text == base.colors.text
    assert merged.fonts.title_size == 30 and merged.fonts.family == base.fonts.family
    assert merged.palette == base.palette


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"colors": {"text": "red"}}, "not a hex color"),
        ({"colors": {"text": "#12345"}}, "not a hex color"),
        ({"fonts": {"title_size": 200}}, "title_size"),
        ({"fonts": {"body_size": 2}}, "body_size"),
        ({"fonts": {"family": "x;}</style><script>"}}, "font family"),
        ({"palette": ["#000000"] * 3}, "palette"),
        ({"palette": ["#000000"] * 8}, "two different colors"),
        ({"shadow": True}, "not a theme field"),
    ],
)
def test_invalid_overrides_are_refused_with_a_sentence(overrides: dict, fragment: str) -> None:
    with pytest.raises(themes.ThemeError, match="theme is invalid") as caught:
        themes.parse_overrides(overrides)
    assert fragment in str(caught.value)


def test_unknown_base_theme_names_the_choices() -> None:
    with pytest.raises(themes.ThemeError, match="is not a built-in theme: use one of default"):
        themes.require_base("neon")


# --- routes ------------------------------------------------------------------------------------------
def test_get_themes_lists_nine_builtins_first_then_custom(api: Api) -> None:
    created = api.post("/api/themes", json={"name": "House", "base_theme": "newsprint"})
    assert created.status_code == 201, created.text
    listed = api.get("/api/themes").json()
    assert [t["builtin"] for t in listed] == [True] * 9 + [False]
    assert listed[-1]["name"] == "House" and listed[-1]["base_theme"] == "newsprint"


def test_custom_theme_round_trips_with_overrides(api: Api) -> None:
    body = {
        "name": "Brand",
        "base_theme": "dark",
        "colors": {"background": "#102030"},
        "fonts": {"body_size": 15},
    }
    theme = api.post("/api/themes", json=body).json()
    fetched = api.get(f"/api/themes/{theme['id']}").json()
    assert fetched == theme
    assert theme["colors"]["background"] == "#102030" and theme["fonts"]["body_size"] == 15
    assert theme["palette"] == themes.BUILTIN_BY_ID["dark"].palette


def test_patching_a_custom_theme_changes_it(api: Api) -> None:
    theme = api.post("/api/themes", json={"name": "Brand", "base_theme": "default"}).json()
    palette = ["#111111", "#222222", "#333333", "#444444", "#555555", "#666666", "#777777", "#888888"]
    response = api.patch(f"/api/themes/{theme['id']}", json={"name": "Brand 2", "palette": palette})
    assert response.status_code == 200, response.text
    assert api.get(f"/api/themes/{theme['id']}").json()["palette"] == palette
    assert response.json()["name"] == "Brand 2"


def test_a_theme_change_the_database_fails_to_save_leaves_the_theme_as_it_was(
    api: Api, failing_database_writes: Callable[[Api], AbstractContextManager[None]]
) -> None:
    theme = api.post("/api/themes", json={"name": "Brand", "base_theme": "default"}).json()
    palette = ["#111111", "#222222", "#333333", "#444444", "#555555", "#666666", "#777777", "#888888"]
    with failing_database_writes(api):
        response = api.patch(f"/api/themes/{theme['id']}", json={"name": "Brand 2", "palette": palette})
    assert response.status_code == 503
    assert api.get(f"/api/themes/{theme['id']}").json() == theme


def test_builtin_themes_are_read_only(api: Api) -> None:
    assert api.patch("/api/themes/dark", json={"name": "Mine"}).status_code == 403
    response = api.delete("/api/themes/dark")
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


def test_invalid_custom_theme_is_422_with_the_field_named(api: Api) -> None:
    response = api.post("/api/themes", json={"name": "Bad", "colors": {"text": "blue"}})
    assert response.status_code == 422
    assert "hex color" in response.json()["detail"]
    assert "built-in" in api.post("/api/themes", json={"name": "Bad", "base_theme": "neon"}).json()["detail"]


def test_deleted_theme_is_gone(api: Api) -> None:
    theme = api.post("/api/themes", json={"name": "Tmp"}).json()
    assert api.delete(f"/api/themes/{theme['id']}").status_code == 204
    assert api.get(f"/api/themes/{theme['id']}").status_code == 404


def test_other_teams_custom_themes_are_404(cloud_api: Api) -> None:
    theme = cloud_api.post("/api/themes", json={"name": "Private"}).json()
    other = cloud_api.new_user()
    assert cloud_api.client.get(f"/api/themes/{theme['id']}", headers=other).status_code == 404
    assert cloud_api.client.delete(f"/api/themes/{theme['id']}", headers=other).status_code == 404
    assert len(cloud_api.client.get("/api/themes", headers=other).json()) == 9
