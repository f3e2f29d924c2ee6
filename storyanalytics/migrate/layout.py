"""What a Story Analytics data folder and bucket hold, so foreign files are never copied or trusted."""

from __future__ import annotations

from storyanalytics.naming import APP_TAG_KEY, MARKER_FOLDER

# Top-level folders and files the app stores (see DESIGN.md, "Stored paths").
LAYOUT_FOLDERS = ("charts", "dashboards", "uploads", "themes", "templates", "versions", "snapshots")
LAYOUT_FILES = ("settings.json",)
# The local metadata database; it goes to PostgreSQL, never to the bucket.
LOCAL_DATABASE_FILE = "metadata.db"
# Our own bookkeeping keys in the bucket (MARKER_FOLDER): the write probe lives here.
PROBE_KEY = f"{MARKER_FOLDER}/migration-probe"
# The bucket tag the deployed stack puts on its bucket (one name for deployer and migration); a tagged
# bucket is ours whatever it holds.
BUCKET_TAG = APP_TAG_KEY


def is_layout_key(key: str) -> bool:
    """Whether the app could have written this key (our folders, settings.json or our marker folder)."""
    top, _, rest = key.partition("/")
    if not rest:
        return key in LAYOUT_FILES
    return top in LAYOUT_FOLDERS or top == MARKER_FOLDER


def is_data_key(key: str) -> bool:
    """Whether a key is user data to migrate (our layout without our own bookkeeping)."""
    return is_layout_key(key) and not key.startswith(MARKER_FOLDER + "/")
