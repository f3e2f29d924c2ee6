"""Themes: nine read-only built-ins plus the rules a team's custom theme must follow.

A theme is fonts + colors + a categorical palette. Custom themes start from a built-in (`base_theme`) and
override parts of it; what is stored (`themes/<id>.json`) is always the complete, validated definition, so
readers never have to merge anything.
"""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from storyanalytics.errors import StoryAnalyticsError

HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# Font family lists end up in CSS and SVG attributes: letters, digits, spaces, quotes, commas and dashes only.
FONT_FAMILY = re.compile(r"^[A-Za-z0-9 ,'\"_.-]{1,200}$")
TITLE_SIZE_RANGE = (10, 64)
BODY_SIZE_RANGE = (8, 32)
PALETTE_SIZE_RANGE = (8, 24)


class ThemeError(StoryAnalyticsError):
    """A theme definition is not usable; the message names the field and the fix."""


def _check_hex(value: str) -> str:
    if not HEX_COLOR.match(value):
        raise ValueError(f"{value!r} is not a hex color: use #rrggbb, e.g. #1f77b4")
    return value.lower()


HexColor = Annotated[str, AfterValidator(_check_hex)]


def _check_family(value: str) -> str:
    if not FONT_FAMILY.match(value):
        raise ValueError(
            "font family may contain letters, digits, spaces, quotes, commas, dots and dashes only "
            "(up to 200 characters), e.g. 'Inter, sans-serif'"
        )
    return value


class ThemeFonts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: Annotated[str, AfterValidator(_check_family)]
    title_size: int = Field(ge=TITLE_SIZE_RANGE[0], le=TITLE_SIZE_RANGE[1])
    body_size: int = Field(ge=BODY_SIZE_RANGE[0], le=BODY_SIZE_RANGE[1])


class ThemeColors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    background: HexColor
    text: HexColor
    muted: HexColor
    grid: HexColor
    axis: HexColor


class ThemeDefinition(BaseModel):
    """The complete look of a chart: what the embed and the exports draw with."""

    model_config = ConfigDict(extra="forbid")

    fonts: ThemeFonts
    colors: ThemeColors
    palette: list[HexColor] = Field(min_length=PALETTE_SIZE_RANGE[0], max_length=PALETTE_SIZE_RANGE[1])


class ThemeFontsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family: Annotated[str, AfterValidator(_check_family)] | None = None
    title_size: int | None = Field(default=None, ge=TITLE_SIZE_RANGE[0], le=TITLE_SIZE_RANGE[1])
    body_size: int | None = Field(default=None, ge=BODY_SIZE_RANGE[0], le=BODY_SIZE_RANGE[1])


class ThemeColorsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    background: HexColor | None = None
    text: HexColor | None = None
    muted: HexColor | None = None
    grid: HexColor | None = None
    axis: HexColor | None = None


class Theme(ThemeDefinition):
    """A theme as the API returns it."""

    id: str
    name: str
    builtin: bool
    base_theme: str


def _builtin(
    theme_id: str,
    name: str,
    family: str,
    sizes: tuple[int, int],
    colors: tuple[str, str, str, str, str],
    palette: list[str],
) -> Theme:
    background, text, muted, grid, axis = colors
    return Theme(
        id=theme_id,
        name=name,
        builtin=True,
        base_theme=theme_id,
        fonts=ThemeFonts(family=family, title_size=sizes[0], body_size=sizes[1]),
        colors=ThemeColors(background=background, text=text, muted=muted, grid=grid, axis=axis),
        palette=palette,
    )


SANS = "Inter, 'Helvetica Neue', Arial, sans-serif"
SERIF = "Georgia, 'Times New Roman', serif"

BUILTIN_THEMES: tuple[Theme, ...] = (
    _builtin(
        "default",
        "Default",
        SANS,
        (20, 13),
        ("#ffffff", "#1f2933", "#616e7c", "#e4e7eb", "#9aa5b1"),
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"],
    ),
    _builtin(
        "dark",
        "Dark",
        SANS,
        (20, 13),
        ("#111827", "#f3f4f6", "#9ca3af", "#1f2937", "#4b5563"),
        ["#60a5fa", "#f59e0b", "#34d399", "#f87171", "#a78bfa", "#f472b6", "#22d3ee", "#facc15"],
    ),
    _builtin(
        "minimal",
        "Minimal",
        "'Helvetica Neue', Helvetica, Arial, sans-serif",
        (18, 12),
        ("#ffffff", "#222222", "#777777", "#f2f2f2", "#cccccc"),
        ["#333333", "#5b8def", "#e8684a", "#5ad8a6", "#f6bd16", "#6dc8ec", "#9270ca", "#ff9d4d"],
    ),
    _builtin(
        "newsprint",
        "Newsprint",
        SERIF,
        (22, 14),
        ("#fbf8f1", "#1a1a1a", "#6b6359", "#e6dfd1", "#a89f91"),
        ["#b22222", "#1d3557", "#457b9d", "#e09f3e", "#6a994e", "#8d5a97", "#335c67", "#9e2a2b"],
    ),
    _builtin(
        "academic",
        "Academic",
        "'Source Serif Pro', 'Palatino Linotype', Palatino, serif",
        (18, 12),
        ("#ffffff", "#000000", "#555555", "#dddddd", "#333333"),
        ["#000000", "#4d4d4d", "#1b4f72", "#7b241c", "#196f3d", "#7d6608", "#4a235a", "#808b96"],
    ),
    _builtin(
        "pastel",
        "Pastel",
        "'Nunito', 'Segoe UI', Arial, sans-serif",
        (20, 13),
        ("#fffdf9", "#3d3d3d", "#8a8a8a", "#f0ece4", "#c9c3b8"),
        ["#8ecae6", "#ffb4a2", "#b5e48c", "#cdb4db", "#ffd166", "#a0c4ff", "#f4a261", "#95d5b2"],
    ),
    _builtin(
        "high-contrast",
        "High contrast",
        "Verdana, Arial, sans-serif",
        (22, 15),
        ("#000000", "#ffffff", "#ffff00", "#404040", "#ffffff"),
        ["#ffff00", "#00ffff", "#ff00ff", "#00ff00", "#ff8000", "#ffffff", "#ff4040", "#4080ff"],
    ),
    _builtin(
        "colorblind",
        "Colorblind safe",
        SANS,
        (20, 13),
        ("#ffffff", "#222222", "#666666", "#e5e5e5", "#999999"),
        # Okabe-Ito, readable with the common color vision deficiencies.
        ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000"],
    ),
    _builtin(
        "ocean",
        "Ocean",
        "'Fira Sans', 'Trebuchet MS', sans-serif",
        (20, 13),
        ("#f4f9fc", "#0b2545", "#5c7a99", "#dbe9f4", "#8da9c4"),
        ["#13315c", "#1b98e0", "#00a6a6", "#0b6e4f", "#f4a259", "#e76f51", "#8cb369", "#5e548e"],
    ),
)
BUILTIN_BY_ID: dict[str, Theme] = {theme.id: theme for theme in BUILTIN_THEMES}
DEFAULT_THEME_ID = "default"


def builtin_themes() -> list[Theme]:
    """Copies, so no caller can change the built-ins."""
    return [theme.model_copy(deep=True) for theme in BUILTIN_THEMES]


def get_builtin(theme_id: str) -> Theme | None:
    theme = BUILTIN_BY_ID.get(theme_id)
    return theme.model_copy(deep=True) if theme else None


def is_builtin(theme_id: str) -> bool:
    return theme_id in BUILTIN_BY_ID


def require_base(base_theme: str) -> Theme:
    theme = get_builtin(base_theme)
    if theme is None:
        raise ThemeError(
            f"base_theme {base_theme!r} is not a built-in theme: use one of {', '.join(BUILTIN_BY_ID)}"
        )
    return theme


class ThemeOverrides(BaseModel):
    """What a custom theme changes relative to its base; every part optional."""

    model_config = ConfigDict(extra="forbid")

    fonts: ThemeFontsPatch | None = None
    colors: ThemeColorsPatch | None = None
    palette: list[HexColor] | None = Field(
        default=None, min_length=PALETTE_SIZE_RANGE[0], max_length=PALETTE_SIZE_RANGE[1]
    )

    @field_validator("palette")
    @classmethod
    def _palette_not_all_same(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) < 2:
            raise ValueError("palette needs at least two different colors")
        return value


def apply_overrides(base: ThemeDefinition, overrides: ThemeOverrides) -> ThemeDefinition:
    """The base definition with the given parts replaced, validated as a whole."""
    merged: dict[str, Any] = copy.deepcopy(base.model_dump(include={"fonts", "colors", "palette"}))
    if overrides.fonts is not None:
        merged["fonts"].update(overrides.fonts.model_dump(exclude_none=True))
    if overrides.colors is not None:
        merged["colors"].update(overrides.colors.model_dump(exclude_none=True))
    if overrides.palette is not None:
        merged["palette"] = list(overrides.palette)
    return parse_definition(merged)


def parse_definition(raw: Any) -> ThemeDefinition:
    """Validate a complete definition, raising `ThemeError` with one sentence per problem."""
    try:
        return ThemeDefinition.model_validate(raw)
    except ValidationError as exc:
        raise ThemeError(describe_theme_error(exc)) from None


def parse_overrides(raw: Any) -> ThemeOverrides:
    try:
        return ThemeOverrides.model_validate(raw)
    except ValidationError as exc:
        raise ThemeError(describe_theme_error(exc)) from None


def describe_theme_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            message = "is not a theme field: remove it"
        parts.append(f"{location} {message}" if location else message)
    return "theme is invalid: " + "; ".join(parts)


def theme_from_definition(
    theme_id: str, name: str, base_theme: str, definition: ThemeDefinition, *, builtin: bool = False
) -> Theme:
    return Theme(
        id=theme_id,
        name=name,
        builtin=builtin,
        base_theme=base_theme,
        fonts=definition.fonts,
        colors=definition.colors,
        palette=list(definition.palette),
    )
