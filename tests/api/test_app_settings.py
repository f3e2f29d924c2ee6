"""App settings validation (the settings.json schema)."""

from __future__ import annotations

import pytest

from storyanalytics.api.services import app_settings
from storyanalytics.api.services.app_settings import AppSettings


def test_defaults_are_valid() -> None:
    settings = AppSettings()
    assert settings.default_theme == "default"
    assert settings.default_embed_origins == ["*"]


def test_merge_replaces_only_given_keys() -> None:
    merged = app_settings.merge_settings(AppSettings(), {"site_title": "  Our charts ", "locale": "fr-FR"})
    assert merged.site_title == "Our charts"
    assert merged.locale == "fr-FR"
    assert merged.number_format == "1,234.56"


def test_unknown_keys_are_refused_with_a_sentence() -> None:
    with pytest.raises(app_settings.SettingsError, match="unknown setting colour: use only site_title"):
        app_settings.merge_settings(AppSettings(), {"colour": "red"})


@pytest.mark.parametrize(
    ("update", "fragment"),
    [
        ({"default_theme": "neon"}, "built-in theme"),
        ({"locale": "english"}, "language tag"),
        ({"number_format": "1#234"}, "number_format"),
        ({"default_embed_origins": ["example.com"]}, "not an origin"),
        ({"site_title": "   "}, "blank"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(update: dict, fragment: str) -> None:
    with pytest.raises(app_settings.SettingsError, match="settings not saved") as caught:
        app_settings.merge_settings(AppSettings(), update)
    assert fragment in str(caught.value)


def test_a_non_object_is_refused() -> None:
    with pytest.raises(app_settings.SettingsError, match="JSON object"):
        app_settings.merge_settings(AppSettings(), ["site_title"])


def test_stored_settings_survive_a_round_trip() -> None:
    settings = app_settings.merge_settings(
        AppSettings(), {"default_embed_origins": ["https://*.example.org/"]}
    )
    assert app_settings.parse_stored(app_settings.dump_settings(settings)) == settings
    assert settings.default_embed_origins == ["https://*.example.org"]


def test_stored_settings_with_stale_or_bad_keys_fall_back_per_key() -> None:
    raw = b'{"site_title": "Kept", "removed_key": 1, "locale": 42}'
    settings = app_settings.parse_stored(raw)
    assert settings.site_title == "Kept"
    assert settings.locale == "en-US"
    assert app_settings.parse_stored(b"not json") == AppSettings()
