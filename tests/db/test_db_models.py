"""Every model round-trips the same on SQLite and PostgreSQL: UTC timestamps, JSON, booleans, keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from storyanalytics.db import Base, make_engine, make_session_factory, upgrade
from storyanalytics.db.models import (
    AppSetting,
    Chart,
    ChartVersion,
    Dashboard,
    Folder,
    LoginFailure,
    Membership,
    RefreshToken,
    Snapshot,
    Team,
    Template,
    Theme,
    Upload,
    User,
)

# Microseconds and a non-UTC offset on purpose: both must survive, read back as the same instant in UTC.
WHEN = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
LATER = WHEN + timedelta(days=14)
NESTED_JSON: dict[str, Any] = {
    "title": "Rainfall — Zürich 数据",
    "series": [{"x": 1, "y": 2.5}, {"x": 2, "y": None}],
    "flags": {"legend": True, "grid": False},
    "empty": {},
    "list": [],
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def columns_of(row: Base) -> dict[str, Any]:
    return {attribute.key: getattr(row, attribute.key) for attribute in inspect(type(row)).column_attrs}


def one_of_each(session: Session) -> list[Base]:
    """A row of every model, linked the way the app links them, with every column set."""
    user = User(email="ada@example.org", display_name="Ada", password_hash="$argon2id$x", is_admin=True)
    team = Team(name="Climate desk", embed_origins=["https://news.example.org", "https://*.example.com"])
    session.add_all([user, team])
    session.flush()
    root = Folder(team_id=team.id, name="2026")
    session.add(root)
    session.flush()
    child = Folder(team_id=team.id, parent_id=root.id, name="March")
    session.add(child)
    session.flush()
    grandchild = Folder(team_id=team.id, parent_id=child.id, name="Week 13")
    theme = Theme(team_id=team.id, name="House", base_theme="default", created_at=WHEN, updated_at=WHEN)
    chart = Chart(
        team_id=team.id,
        folder_id=child.id,
        title="Rain",
        description="Monthly rainfall",
        chart_type="line",
        version=3,
        public_id="pub-rain",
        public_version=2,
        is_published=True,
        published_at=WHEN,
        created_by=user.id,
    )
    session.add_all([grandchild, theme, chart])
    session.flush()
    rows: list[Base] = [
        user,
        team,
        root,
        child,
        grandchild,
        theme,
        chart,
        Membership(team_id=team.id, user_id=user.id, role="owner", created_at=WHEN),
        RefreshToken(user_id=user.id, token_hash="a" * 64, expires_at=LATER, revoked_at=WHEN),
        LoginFailure(scope="account", subject=user.email, window_start=WHEN, failures=3),
        Dashboard(
            team_id=team.id,
            folder_id=root.id,
            title="Weather",
            layout=[{"chart_id": chart.id, "width": 2, "height": 1}],
            is_published=False,
            created_by=user.id,
        ),
        Upload(
            team_id=team.id,
            chart_id=chart.id,
            filename="rain.csv",
            storage_key=f"uploads/{chart.id}/rain.csv",
            size_bytes=5 * 1024**3,
            sha256="b" * 64,
            row_count=12,
            columns=[{"name": "month", "type": "date"}, {"name": "mm", "type": "number"}],
        ),
        Template(team_id=team.id, name="Line", chart_type="line", source_chart_id=chart.id),
        ChartVersion(chart_id=chart.id, number=1, storage_key=f"versions/{chart.id}/1.json", message="first"),
        Snapshot(
            chart_id=chart.id, storage_key=f"snapshots/{chart.id}.png", size_bytes=2048, width=640, height=400
        ),
        AppSetting(key="site", value=NESTED_JSON, updated_at=WHEN),
    ]
    session.add_all(rows)
    session.commit()
    return rows


def test_the_round_trip_covers_every_model() -> None:
    covered = {
        User, Team, Membership, RefreshToken, Folder, Theme, Chart, Dashboard, Upload, Template, ChartVersion,
        Snapshot, AppSetting, LoginFailure,
    }  # fmt: skip
    mapped = {mapper.class_ for mapper in Base.registry.mappers}
    assert mapped == covered, "a new model needs a row in one_of_each() (and a migration)"


def test_every_model_round_trips_unchanged(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        written = {(type(row), inspect(row).identity): columns_of(row) for row in one_of_each(session)}
    with sessions() as session:
        for (model, identity), columns in written.items():
            loaded = session.get(model, identity)
            assert loaded is not None, f"{model.__name__} {identity} was not stored"
            assert columns_of(loaded) == columns, f"{model.__name__} changed on the way through the database"


def test_timestamps_come_back_aware_utc_and_equal(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        one_of_each(session)
    with sessions() as session:
        setting = session.get(AppSetting, "site")
        chart = session.scalars(select(Chart)).one()
        assert setting is not None
        assert setting.updated_at == WHEN
        assert setting.updated_at.tzinfo is UTC
        assert setting.updated_at.utcoffset() == timedelta(0)
        assert setting.updated_at.microsecond == 123456
        assert chart.published_at == WHEN and chart.published_at.tzinfo is UTC
        for row in session.scalars(select(User)):
            assert row.created_at.tzinfo is UTC and row.updated_at.tzinfo is UTC


def test_json_columns_come_back_equal(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        one_of_each(session)
    with sessions() as session:
        assert session.get(AppSetting, "site").value == NESTED_JSON  # type: ignore[union-attr]
        assert session.scalars(select(Team)).one().embed_origins == [
            "https://news.example.org",
            "https://*.example.com",
        ]
        assert session.scalars(select(Upload)).one().columns[1] == {"name": "mm", "type": "number"}


def test_json_scalars_and_null_round_trip(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    values: dict[str, Any] = {
        "int": 42,
        "float": 0.1,
        "text": "ü",
        "true": True,
        "false": False,
        "list": [1, "a"],
    }
    with sessions() as session:
        session.add_all(AppSetting(key=key, value=value) for key, value in values.items())
        session.add(Team(name="No origins"))
        session.commit()
    with sessions() as session:
        assert {row.key: row.value for row in session.scalars(select(AppSetting))} == values
        assert session.scalars(select(Team)).one().embed_origins is None


def test_booleans_come_back_as_booleans(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        one_of_each(session)
    with sessions() as session:
        user = session.scalars(select(User)).one()
        assert user.is_admin is True and user.is_active is True
        assert session.scalars(select(Dashboard)).one().is_published is False
        assert session.scalars(select(User).where(User.is_admin.is_(True))).one() == user


def test_defaults_fill_ids_and_timestamps(engine: Engine) -> None:
    before = datetime.now(UTC)
    sessions = make_session_factory(engine)
    with sessions() as session:
        team = Team(name="Defaults")
        session.add(team)
        session.commit()
    assert len(team.id) == 32
    assert before <= team.created_at <= datetime.now(UTC)


def test_naive_datetime_is_refused(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session, pytest.raises(StatementError, match="timezone-aware"):
        session.add(AppSetting(key="k", value=1, updated_at=datetime(2026, 1, 1)))
        session.commit()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session, pytest.raises(IntegrityError):
        session.add(Membership(team_id="no-such-team", user_id="no-such-user"))
        session.commit()


def test_deleting_a_folder_deletes_its_subfolders_and_unfiles_its_charts(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        one_of_each(session)
        root = session.scalars(select(Folder).where(Folder.parent_id.is_(None))).one()
        session.delete(root)
        session.commit()
    with sessions() as session:
        assert session.scalars(select(Folder)).all() == []
        assert session.scalars(select(Chart)).one().folder_id is None


def test_chart_version_numbers_are_unique_per_chart(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session:
        one_of_each(session)
        chart = session.scalars(select(Chart)).one()
        session.add(ChartVersion(chart_id=chart.id, number=1, storage_key="versions/x/1.json"))
        with pytest.raises(IntegrityError):
            session.commit()
