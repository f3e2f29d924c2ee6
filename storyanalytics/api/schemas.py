"""Response and request models shared by several routers (charts, data, users)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


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
    # How the column's cells were read: {"decimal": ","}, {"date_order": "dmy", "ambiguous": true},
    # {"unit": "quarter"}; absent for plain 1234.5 numbers and ISO dates.
    format: dict[str, Any] | None = None

    @model_serializer(mode="wrap")
    def _plain_columns_stay_plain(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("format") is None:
            data.pop("format", None)
        return data


class CellProblem(BaseModel):
    column: str
    type: str
    rows: list[int]
    values: list[str]
    count: int


class DataInfo(BaseModel):
    columns: list[ColumnOut]
    row_count: int
    preview: list[list[Any]]
    locale: str = "1,234.5"
    problems: list[CellProblem] = []


class DataFormatIn(BaseModel):
    """How to read the chart's data: decimal mark, day/month order and column types, as the user chose."""

    decimal: Literal[".", ","] | None = None
    date_order: Literal["dmy", "mdy"] | None = None
    types: dict[str, Literal["number", "date", "string", "boolean"]] = {}


class DataSummary(BaseModel):
    columns: list[ColumnOut]
    row_count: int


class ReducedRows(BaseModel):
    """How a chart's rows were reduced on the server past its row limit, and the note that says so."""

    method: Literal["first", "binned", "summed", "averaged", "downsampled", "sampled"]
    shown: int
    of: int
    note: str


class DataRows(BaseModel):
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    total_rows: int = 0
    reduced: ReducedRows | None = None


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
