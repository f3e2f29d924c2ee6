"""/api/templates: save a chart's setup (type, theme, config) as a template; start new charts from one.

The template's content lives at `templates/<id>.json`; the row holds its name and team.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from storyanalytics.api.deps import CurrentUser, SessionDep, StorageDep
from storyanalytics.api.lazy_route import LazyAPIRoute
from storyanalytics.api.schemas import ChartOut
from storyanalytics.api.services.access import (
    check_folder_in_team,
    get_team_item_or_404,
    resolve_team_id,
    teams_in_scope,
)
from storyanalytics.api.services.charts import default_config, dump_json, load_chart_out, read_chart_config
from storyanalytics.api.services.team_items import add_with_file, delete_with_file
from storyanalytics.api.services.versions import create_chart
from storyanalytics.db.models import Chart, Template, new_id
from storyanalytics.storage import ObjectNotFound, StorageBackend

router = APIRouter(prefix="/api/templates", tags=["templates"], route_class=LazyAPIRoute)

Id = Annotated[str, Field(min_length=1, max_length=64)]


class TemplateCreate(BaseModel):
    chart_id: Id
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=20_000)] = ""


class ChartFromTemplate(BaseModel):
    title: Annotated[str, Field(max_length=500)] | None = None
    team_id: Id | None = None
    folder_id: Id | None = None


class TemplateSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    team_id: str
    name: str
    description: str
    chart_type: str
    source_chart_id: str | None
    created_at: datetime
    updated_at: datetime


class TemplateOut(TemplateSummary):
    theme_id: str
    config: dict[str, Any]


def template_key(template_id: str) -> str:
    return f"templates/{template_id}.json"


async def read_template(storage: StorageBackend, row: Template) -> TemplateOut:
    """The row plus its stored content; a missing or damaged file reads as the default config."""
    try:
        content = json.loads(await storage.read(template_key(row.id)))
    except (ObjectNotFound, ValueError):
        content = {}
    if not isinstance(content, dict):
        content = {}
    config = content.get("config")
    theme_id = content.get("theme_id")
    return TemplateOut(
        **TemplateSummary.model_validate(row).model_dump(),
        theme_id=theme_id if isinstance(theme_id, str) and theme_id else "default",
        config=config if isinstance(config, dict) else default_config(),
    )


@router.get("", response_model=list[TemplateSummary])
async def list_templates(
    session: SessionDep, user: CurrentUser, team_id: Annotated[str | None, Query(max_length=64)] = None
) -> list[TemplateSummary]:
    teams = teams_in_scope(session, user, team_id)
    rows = session.scalars(
        select(Template).where(Template.team_id.in_(teams)).order_by(Template.name, Template.id)
    )
    return [TemplateSummary.model_validate(row) for row in rows]


@router.get("/{template_id}", response_model=TemplateOut)
async def get_template(
    template_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> TemplateOut:
    row = get_team_item_or_404(session, user, Template, template_id, "template")
    session.commit()  # end the read transaction before awaiting storage
    return await read_template(storage, row)


@router.post("", response_model=TemplateOut, status_code=status.HTTP_201_CREATED)
async def create_template(
    body: TemplateCreate, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> TemplateOut:
    """Copy the chart's type, theme and config (not its data) into a template of the chart's team."""
    chart = get_team_item_or_404(session, user, Chart, body.chart_id, "chart")
    session.commit()
    config = await read_chart_config(storage, chart.id)
    row = Template(
        id=new_id(),
        team_id=chart.team_id,
        name=body.name.strip() or chart.title or "Template",
        description=body.description,
        chart_type=chart.chart_type,
        source_chart_id=chart.id,
    )
    content = {"chart_type": chart.chart_type, "theme_id": chart.theme_id, "config": config}
    await add_with_file(session, storage, row, template_key(row.id), dump_json(content))
    return await read_template(storage, row)


@router.post("/{template_id}/charts", response_model=ChartOut, status_code=status.HTTP_201_CREATED)
async def chart_from_template(
    template_id: str,
    session: SessionDep,
    storage: StorageDep,
    user: CurrentUser,
    body: ChartFromTemplate | None = None,
) -> ChartOut:
    """A new chart (version 1, no data) with the template's type, theme and config."""
    body = body or ChartFromTemplate()
    row = get_team_item_or_404(session, user, Template, template_id, "template")
    team_id = resolve_team_id(session, user, body.team_id or row.team_id)
    folder_id = check_folder_in_team(session, body.folder_id, team_id)
    session.commit()
    template = await read_template(storage, row)
    chart = await create_chart(
        session,
        storage,
        team_id=team_id,
        created_by=user.id,
        title=body.title if body.title is not None else template.name,
        description=template.description,
        chart_type=template.chart_type,
        theme_id=template.theme_id,
        folder_id=folder_id,
        config=template.config,
        message=f"Created from template {template.name}",
    )
    return await load_chart_out(session, storage, chart)


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    template_id: str, session: SessionDep, storage: StorageDep, user: CurrentUser
) -> Response:
    """Charts made from it are kept."""
    await delete_with_file(
        session, storage, user, Template, template_id, "template", template_key(template_id)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
