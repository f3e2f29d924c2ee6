"""The FastAPI app: one router per domain, files through StorageBackend, rows through SQLAlchemy."""

from storyanalytics.api.app import create_app

__all__ = ["create_app"]
