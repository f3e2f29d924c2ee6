"""Move a local install to the cloud: files to S3, metadata to PostgreSQL, resumable and verified.

>>> from storyanalytics.migrate import migrate_local_to_cloud, RichProgress
>>> with RichProgress() as progress:
...     report = migrate_local_to_cloud("./data", "my-bucket", database_url, on_progress=progress.callback)
"""

from storyanalytics.migrate.accounts import grant_admin_access
from storyanalytics.migrate.copy_text import table_checksum
from storyanalytics.migrate.database_copy import (
    DatabaseReport,
    TableReport,
    migrate_database,
)
from storyanalytics.migrate.errors import MigrationError
from storyanalytics.migrate.local_to_cloud import MigrationReport, migrate_local_to_cloud
from storyanalytics.migrate.progress import ProgressEvent, RichProgress, summary_table
from storyanalytics.migrate.remote_import import import_metadata_via_app
from storyanalytics.migrate.storage_copy import (
    StorageReport,
    migrate_storage,
    migrate_storage_async,
)

__all__ = [
    "DatabaseReport",
    "MigrationError",
    "MigrationReport",
    "ProgressEvent",
    "RichProgress",
    "StorageReport",
    "TableReport",
    "grant_admin_access",
    "import_metadata_via_app",
    "migrate_database",
    "migrate_local_to_cloud",
    "migrate_storage",
    "migrate_storage_async",
    "summary_table",
    "table_checksum",
]
