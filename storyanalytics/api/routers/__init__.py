"""Every router the app includes, in order. Add a router with a one-line edit to ROUTERS."""

from fastapi import APIRouter

from storyanalytics.api.routers import health, meta

ROUTERS: list[APIRouter] = [
    health.router,
    meta.router,
]
