"""The error every migration step raises for bad input, before anything is written."""

from __future__ import annotations

from storyanalytics.errors import StoryAnalyticsError


class MigrationError(StoryAnalyticsError):
    """The migration cannot start or go on as asked; the message says why and what to do."""
