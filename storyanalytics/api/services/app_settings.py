"""App-wide settings kept in `settings.json` (admins write, everyone reads), validated on every write."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from storyanalytics.api.services.themes import BUILTIN_BY_ID, DEFAULT_THEME_ID
from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.storage import ObjectNotFound, StorageBackend

SETTINGS_KEY = "settings.json"
LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$")
ORIGIN = re.compile(r"^https?://(?:\*\.)?[A-Za-z0-9.-]+(?::\d{1,5})?$")
NumberFormat = Literal["1,234.56", "1.234,56", "1 234,56", "1'234.56", "1234.56"]
DateFormat = Literal["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", "D MMM YYYY", "MMM D, YYYY"]


class SettingsError(StoryAnalyticsError):
    """A settings update is not valid; the message names the key and what is allowed."""


def check_origin(value: str) -> str:
    """An origin a browser sends (scheme://host[:port]), a `*.` wildcard host, or `*` for any."""
    value = value.strip().rstrip("/")
    if value == "*" or ORIGIN.match(value):
        return value
    raise ValueError(f"{value!r} is not an origin: use e.g. https://example.com, https://*.example.com or *")


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_title: str = Field(default="Story Analytics", min_length=1, max_length=120)
    default_theme: str = DEFAULT_THEME_ID
    default_embed_origins: list[str] = Field(default_factory=lambda: ["*"], max_length=50)
    locale: str = "en-US"
    number_format: NumberFormat = "1,234.56"
    date_format: DateFormat = "YYYY-MM-DD"
    allow_public_embeds: bool = True
    footer_text: str = Field(default="", max_length=500)

    @field_validator("site_title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("site_title cannot be blank")
        return value.strip()

    @field_validator("default_theme")
    @classmethod
    def _known_theme(cls, value: str) -> str:
        if value not in BUILTIN_BY_ID:
            raise ValueError(f"default_theme must be a built-in theme: one of {', '.join(BUILTIN_BY_ID)}")
        return value

    @field_validator("default_embed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(check_origin(origin) for origin in value))

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if not LOCALE.match(value):
            raise ValueError("locale must be a language tag like en-US, fr-FR or de")
        return value


SETTING_NAMES = tuple(AppSettings.model_fields)


def describe_settings_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            message = f"is not a setting: use only {', '.join(SETTING_NAMES)}"
        parts.append(f"{location} {message}" if location else message)
    return "settings not saved: " + "; ".join(parts)


def merge_settings(current: AppSettings, update: Any) -> AppSettings:
    """The current settings with the update's keys replaced; unknown keys and bad values are refused."""
    if not isinstance(update, dict):
        raise SettingsError('settings must be a JSON object such as {"site_title": "Our charts"}')
    unknown = sorted(str(key) for key in update if key not in AppSettings.model_fields)
    if unknown:
        raise SettingsError(
            f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"use only {', '.join(SETTING_NAMES)}"
        )
    merged = {**current.model_dump(), **update}
    try:
        return AppSettings.model_validate(merged)
    except ValidationError as exc:
        raise SettingsError(describe_settings_error(exc)) from None


def parse_stored(raw: bytes) -> AppSettings:
    """Stored settings, tolerating keys removed in later versions and falling back to defaults."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return AppSettings()
    if not isinstance(data, dict):
        return AppSettings()
    known = {key: value for key, value in data.items() if key in AppSettings.model_fields}
    try:
        return AppSettings.model_validate(known)
    except ValidationError:
        defaults = AppSettings().model_dump()
        kept = {}
        for key, value in known.items():
            try:
                AppSettings.model_validate({**defaults, key: value})
            except ValidationError:
                continue
            kept[key] = value
        return AppSettings.model_validate(kept)


def dump_settings(settings: AppSettings) -> bytes:
    return json.dumps(settings.model_dump(), indent=2, sort_keys=True).encode("utf-8")


async def read_app_settings(storage: StorageBackend) -> AppSettings:
    """The stored settings, with defaults for anything never set."""
    try:
        return parse_stored(await storage.read(SETTINGS_KEY))
    except ObjectNotFound:
        return AppSettings()
