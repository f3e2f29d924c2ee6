"""The one error type every entry point turns into a clear sentence instead of a traceback."""


class StoryAnalyticsError(Exception):
    """A problem the user can act on; its message says what to do."""
