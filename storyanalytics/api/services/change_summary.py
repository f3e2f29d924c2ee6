"""What changed between two versions of a chart, in words, ("Title, chart type: bar → line")."""

from __future__ import annotations

from typing import Any

FIELD_NAMES = {
    "title": "title",
    "description": "description",
    "chart_type": "chart type",
    "theme_id": "theme",
    "folder_id": "folder",
}
CONFIG_NAMES = {
    "mapping": "columns",
    "source": "source",
    "notes": "notes",
    "options": "chart options",
}
OPTION_NAMES = {
    "value_labels": "value labels",
    "colors": "series colours",
    "highlight": "highlighted series",
    "y_min": "axis range",
    "y_max": "axis range",
    "y_scale": "axis scale",
    "number_format": "number format",
    "annotations": "annotations",
    "highlight_range": "highlighted range",
    "alt": "alternative text",
}


def _options_changed(old: Any, new: Any) -> list[str]:
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    names: list[str] = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            name = OPTION_NAMES.get(key, key.replace("_", " "))
            if name not in names:
                names.append(name)
    return names


def describe_change(
    old_fields: dict[str, Any],
    new_fields: dict[str, Any],
    old_config: dict[str, Any],
    new_config: dict[str, Any],
) -> str:
    """A short sentence naming each changed part; "No changes" when nothing differs."""
    parts: list[str] = []
    for key, name in FIELD_NAMES.items():
        if old_fields.get(key) != new_fields.get(key):
            if key == "chart_type":
                parts.append(f"{name}: {old_fields.get(key)} → {new_fields.get(key)}")
            else:
                parts.append(name)
    for key, name in CONFIG_NAMES.items():
        if old_config.get(key) == new_config.get(key):
            continue
        if key == "options":
            parts.extend(_options_changed(old_config.get(key), new_config.get(key)))
        else:
            parts.append(name)
    known = set(CONFIG_NAMES)
    if any(old_config.get(k) != new_config.get(k) for k in (set(old_config) | set(new_config)) - known):
        parts.append("settings")
    if not parts:
        return "No changes"
    text = ", ".join(parts)
    return text[0].upper() + text[1:]
