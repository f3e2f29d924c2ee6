"""REHEARSAL: a small local data folder, made the way a user makes one (the app in local mode)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storyanalytics.config import AppMode, Settings, StorageKind
from storyanalytics.errors import StoryAnalyticsError

SAMPLE_TITLE = "Rehearsal sample: rainfall by month"
SAMPLE_CSV = "month,rainfall_mm\nJan,78\nFeb,61\nMar,55\nApr,49\nMay,52\nJun,41\n"


@dataclass(frozen=True)
class SampleData:
    data_dir: Path
    chart_id: str
    title: str
    public_id: str  # published in local mode: the migration publishes it to the edge (CDN)


def make_sample_data(data_dir: Path) -> SampleData:
    """A data folder with one published chart (and its CSV), created through the local-mode API."""
    import warnings

    with warnings.catch_warnings():  # starlette's note about httpx is not for the user
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from storyanalytics.api.app import create_app

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        app_mode=AppMode.local,
        storage_backend=StorageKind.local,
        data_dir=data_dir,
        database_url=f"sqlite:///{(data_dir / 'metadata.db').as_posix()}",
        auth_enabled=False,
        _env_file=None,
    )  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        created = client.post("/api/charts", json={"title": SAMPLE_TITLE, "chart_type": "bar"})
        if created.status_code != 201:
            raise StoryAnalyticsError(f"REHEARSAL: could not create the sample chart: {created.text[:200]}")
        chart_id = str(created.json()["id"])
        data = client.put(
            f"/api/charts/{chart_id}/data", content=SAMPLE_CSV, headers={"Content-Type": "text/csv"}
        )
        if data.status_code >= 300:
            raise StoryAnalyticsError(f"REHEARSAL: could not upload the sample CSV: {data.text[:200]}")
        published = client.post(f"/api/charts/{chart_id}/publish")
        if published.status_code >= 300:
            raise StoryAnalyticsError(f"REHEARSAL: could not publish the sample: {published.text[:200]}")
    return SampleData(data_dir, chart_id, SAMPLE_TITLE, str(published.json()["public_id"]))
