"""Response and request models shared by several routers (charts, data, users)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TeamRef(BaseModel):
    id: str
    name: str
    role: str


class UserOut(BaseModel):
    id: str
    email: str
    display_name: str
    is_admin: bool
    is_active: bool
    teams: list[TeamRef] = Field(default_factory=list)


class ColumnOut(BaseModel):
    name: str
    type: Literal["number", "date", "string", "boolean"]


class DataInfo(BaseModel):
    columns: list[ColumnOut]
    row_count: int
    preview: list[list[Any]]


class DataSummary(BaseModel):
    columns: list[ColumnOut]
    row_count: int


class DataRows(BaseModel):
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


class ChartSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    team_id: str
    folder_id: str | None
    title: str
    chart_type: str
    version: int
    is_published: bool
    public_id: str | None
    updated_at: datetime


class ChartOut(ChartSummary):
    description: str
    theme_id: str
    config: dict[str, Any]
    data: DataSummary | None
    public_version: int
    published_at: datetime | None = None
    created_at: datetime
