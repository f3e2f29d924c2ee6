"""Every router the app includes, in order. Add a router with one import line and one ROUTERS line."""

from fastapi import APIRouter

from storyanalytics.api.routers.admin_import import router as admin_import_router
from storyanalytics.api.routers.auth import router as auth_router
from storyanalytics.api.routers.charts import router as charts_router
from storyanalytics.api.routers.dashboards import router as dashboards_router
from storyanalytics.api.routers.direct_uploads import router as direct_uploads_router
from storyanalytics.api.routers.exports import router as exports_router
from storyanalytics.api.routers.folders import router as folders_router
from storyanalytics.api.routers.health import router as health_router
from storyanalytics.api.routers.meta import router as meta_router
from storyanalytics.api.routers.public import router as public_router
from storyanalytics.api.routers.publish import router as publish_router
from storyanalytics.api.routers.settings import router as settings_router
from storyanalytics.api.routers.snapshots import router as snapshots_router
from storyanalytics.api.routers.teams import router as teams_router
from storyanalytics.api.routers.templates import router as templates_router
from storyanalytics.api.routers.themes import router as themes_router
from storyanalytics.api.routers.uploads import router as uploads_router
from storyanalytics.api.routers.users import router as users_router
from storyanalytics.api.routers.versions import router as versions_router

ROUTERS: list[APIRouter] = [
    # First: the busiest paths, matched before the others are tried.
    public_router,
    health_router,
    meta_router,
    auth_router,
    users_router,
    teams_router,
    folders_router,
    charts_router,
    uploads_router,
    direct_uploads_router,
    versions_router,
    themes_router,
    settings_router,
    snapshots_router,
    exports_router,
    publish_router,
    dashboards_router,
    templates_router,
    admin_import_router,
]
