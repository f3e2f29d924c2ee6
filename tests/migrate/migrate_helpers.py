"""Builds a local install through the library (files + SQLite) and compares it with the cloud copy."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from click.testing import Result
from sqlalchemy import insert, select
from typer.testing import CliRunner

from storyanalytics.config import Settings, load_settings
from storyanalytics.db import Base, make_engine, make_session_factory, upgrade
from storyanalytics.db.models import (
    AppSetting,
    Chart,
    ChartVersion,
    Dashboard,
    Folder,
    Membership,
    RefreshToken,
    Snapshot,
    Team,
    Template,
    Theme,
    Upload,
    User,
)
from storyanalytics.migrate.layout import is_data_key
from storyanalytics.storage import LocalStorageBackend


@dataclass(frozen=True)
class MigrateCli:
    """`story-analytics migrate` from a local data folder into a bucket on the moto server."""

    data_dir: Path
    bucket: str
    endpoint: str

    def run(self, *options: str, env: dict[str, str], data_dir: Path | None = None) -> Result:
        """Run it with these further options and environment (`data_dir` overrides the install's)."""
        from storyanalytics.cli import app

        arguments = ["migrate", "--data-dir", str(data_dir or self.data_dir), "--bucket", self.bucket]
        arguments += ["--endpoint-url", self.endpoint, *options]
        return CliRunner().invoke(app, arguments, env=env)


LOGIN_EMAIL = "ada@example.org"
LOGIN_PASSWORD = "correct horse battery staple"
JWT_SECRET = "migration-test-secret-" + "x" * 40


def cloud_settings(bucket: str, endpoint: str, database_url: str, **extra: Any) -> Settings:
    """The app in cloud mode on the migrated bucket (moto) and database, as the stack runs it."""
    return load_settings(
        app_mode="cloud",
        storage_backend="s3",
        s3_bucket=bucket,
        aws_endpoint_url=endpoint,
        aws_region="us-east-1",
        database_url=database_url,
        jwt_secret=JWT_SECRET,
        _env_file=None,
        **extra,
    )


@dataclass
class LocalInstall:
    data_dir: Path
    database_url: str
    chart_ids: list[str]
    user_id: str


def _png(seed: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (32, 24), (seed * 37 % 256, seed * 91 % 256, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def build_local_install(
    data_dir: Path, *, charts: int = 6, versions: int = 3, filler: int = 0, extra_versions: int = 0
) -> LocalInstall:
    """Files written through LocalStorageBackend and rows through the ORM, like the app would."""
    storage = LocalStorageBackend(data_dir)
    database_url = f"sqlite:///{(data_dir / 'metadata.db').as_posix()}"
    upgrade(database_url)
    engine = make_engine(database_url)
    files: dict[str, bytes] = {}
    rng = random.Random(42)
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    from storyanalytics.api.security import hash_password

    with make_session_factory(engine)() as session:
        local = User(email="local@localhost", display_name="Local user", password_hash=None, is_admin=True)
        ada = User(email=LOGIN_EMAIL, display_name="Ada", password_hash=hash_password(LOGIN_PASSWORD))
        team = Team(name="My team", embed_origins=["https://blog.example.org"])
        other_team = Team(name="Side project", embed_origins=None)
        session.add_all([local, ada, team, other_team])
        session.flush()
        session.add_all(
            [
                Membership(team_id=team.id, user_id=local.id, role="owner"),
                Membership(team_id=team.id, user_id=ada.id, role="admin"),
                Membership(team_id=other_team.id, user_id=ada.id, role="owner"),
                RefreshToken(user_id=ada.id, token_hash="ab" * 32, expires_at=moment + timedelta(days=14)),
            ]
        )
        # Children are added before their parents, so the copy must order them.
        root = Folder(id="f" * 32, team_id=team.id, name="Reports")
        child = Folder(id="0" * 32, team_id=team.id, parent_id=root.id, name="2026 \t tabs\nand newlines")
        grandchild = Folder(
            id="1" * 32, team_id=team.id, parent_id=child.id, name="Q1 \\ backslash \x0b\x08\x0c\r end"
        )
        session.add(root)
        session.flush()
        session.add(child)
        session.flush()
        session.add(grandchild)
        theme = Theme(team_id=team.id, name="Brand", base_theme="default")
        session.add(theme)
        session.flush()
        files[f"themes/{theme.id}.json"] = json.dumps({"font": "Inter", "palette": ["#123", "#456"]}).encode()
        chart_ids = []
        for index in range(charts):
            chart = Chart(
                team_id=team.id,
                folder_id=[None, root.id, child.id, grandchild.id][index % 4],
                title=f"Chart {index} — ünïcödé",
                chart_type=["bar", "line", "scatter"][index % 3],
                version=versions,
                is_published=index % 2 == 0,
                public_id=f"pub{index:04d}" if index % 2 == 0 else None,
                published_at=moment if index % 2 == 0 else None,
                created_by=[local.id, ada.id, None][index % 3],
                created_at=moment + timedelta(minutes=index),
                updated_at=moment + timedelta(minutes=index, seconds=7),
            )
            session.add(chart)
            session.flush()
            chart_ids.append(chart.id)
            config = {"type": chart.chart_type, "x": "year", "y": "value", "title": chart.title, "n": index}
            files[f"charts/{chart.id}.json"] = json.dumps(config, sort_keys=True).encode()
            for number in range(1, versions + 1):
                key = f"versions/{chart.id}/{number}.json"
                files[key] = json.dumps(config | {"version": number}).encode()
                session.add(
                    ChartVersion(
                        chart_id=chart.id,
                        number=number,
                        storage_key=key,
                        message=f"save {number}",
                        created_by=ada.id,
                        created_at=moment + timedelta(hours=number),
                    )
                )
            csv = "year,value\n" + "".join(f"{2000 + y},{rng.randint(0, 999)}\n" for y in range(30))
            upload_key = f"uploads/{team.id}/{chart.id}/data.csv"
            files[upload_key] = csv.encode()
            session.add(
                Upload(
                    team_id=team.id,
                    chart_id=chart.id,
                    storage_key=upload_key,
                    size_bytes=len(csv),
                    sha256=hashlib.sha256(csv.encode()).hexdigest(),
                    row_count=30,
                    columns=[{"name": "year", "type": "number"}, {"name": "value", "type": "number"}],
                )
            )
            png = _png(index)
            files[f"snapshots/{chart.id}.png"] = png
            session.add(
                Snapshot(
                    chart_id=chart.id,
                    storage_key=f"snapshots/{chart.id}.png",
                    size_bytes=len(png),
                    width=32,
                    height=24,
                )
            )
        dashboard = Dashboard(
            team_id=team.id,
            title="Overview",
            layout=[{"chart_id": cid, "width": 6, "height": 4} for cid in chart_ids[:3]],
        )
        template = Template(team_id=team.id, name="Bars", source_chart_id=chart_ids[0])
        session.add_all([dashboard, template])
        session.flush()
        files[f"dashboards/{dashboard.id}.json"] = json.dumps({"layout": dashboard.layout}).encode()
        files[f"templates/{template.id}.json"] = json.dumps({"type": "bar"}).encode()
        session.add_all(
            [
                AppSetting(key="site", value={"name": "Ada's charts", "nested": {"b": [1, 2.5, None]}}),
                AppSetting(key="flag", value=True),
                AppSetting(key="nothing", value=None),
            ]
        )
        files["settings.json"] = json.dumps({"site": {"name": "Ada's charts"}}).encode()
        session.flush()
        if extra_versions:
            # Many history rows (metadata only), inserted in bulk, to give the database copy some length.
            session.execute(
                insert(ChartVersion),
                [
                    {
                        "chart_id": chart_ids[n % len(chart_ids)],
                        "number": 1000 + n,
                        "storage_key": f"versions/bulk/{n}.json",
                        "message": f"bulk {n}",
                        "created_by": ada.id,
                        "created_at": moment + timedelta(seconds=n),
                    }
                    for n in range(extra_versions)
                ],
            )
        session.commit()
        user_id = ada.id
    engine.dispose()
    for index in range(filler):
        files[f"uploads/filler/{index:05d}.bin"] = rng.randbytes(rng.randint(200, 3000))

    async def write_all() -> None:
        await asyncio.gather(*(storage.write(key, data) for key, data in files.items()))

    asyncio.run(write_all())
    return LocalInstall(data_dir, database_url, chart_ids, user_id)


# --- comparisons -------------------------------------------------------------------------------------
def local_files(data_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(data_dir).as_posix(): path.read_bytes()
        for path in data_dir.rglob("*")
        if path.is_file() and is_data_key(path.relative_to(data_dir).as_posix())
    }


def bucket_files(endpoint: str, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    start = prefix + "/" if prefix else ""
    found: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
        for item in page.get("Contents", []):
            found[item["Key"][len(start) :]] = client.get_object(Bucket=bucket, Key=item["Key"])[
                "Body"
            ].read()
    return found


def database_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table as the app reads it, sorted, for row-for-row comparison."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    (tuple(row) for row in connection.execute(select(table))), key=lambda row: repr(row)
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


# --- a small metadata database, for the fast tests of the database copy ------------------------------
SMALL_MOMENT = datetime(2026, 3, 1, 12, 30, 15, 123400, tzinfo=UTC)  # PostgreSQL prints .1234
SMALL_VERSIONS = 24  # more differing rows than a report lists (20)
# Stored children first: a grandchild, its parent, a second child of the root, then the root.
SMALL_FOLDERS = ("a" * 32, "b" * 32, "e" * 32, "c" * 32)


def fill_small_database(url: str) -> None:
    """A few rows in every table but login_failures (left empty), with the values that are hard to
    copy: escapes, non-ASCII text, JSON null and nesting, timestamps with and without fractions."""
    user, other, team = "u" * 32, "v" * 32, "t" * 32
    whole_second = SMALL_MOMENT.replace(microsecond=0)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # to store folders children first
        connection.execute(
            insert(User),
            [
                dict(
                    id=user,
                    email="ada@example.org",
                    display_name="Ada",
                    password_hash="x" * 60,
                    is_admin=True,
                    is_active=True,
                    created_at=SMALL_MOMENT,
                    updated_at=whole_second,
                ),
                dict(
                    id=other,
                    email="local@localhost",
                    display_name="Local\\user",
                    password_hash=None,
                    is_admin=False,
                    is_active=True,
                    created_at=whole_second,
                    updated_at=whole_second,
                ),
            ],
        )
        connection.execute(
            insert(Team),
            [
                dict(
                    id=team,
                    name="My team",
                    embed_origins=["https://blog.example.org"],
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                ),
                dict(
                    id="s" * 32,
                    name="Side",
                    embed_origins=None,
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                ),
            ],
        )
        connection.execute(
            insert(Membership),
            [
                dict(team_id=team, user_id=user, role="owner", created_at=SMALL_MOMENT),
                dict(team_id=team, user_id=other, role="member", created_at=SMALL_MOMENT),
            ],
        )
        connection.execute(
            insert(RefreshToken),
            [
                dict(
                    id="r" * 32,
                    user_id=user,
                    token_hash="ab" * 32,
                    expires_at=SMALL_MOMENT,
                    revoked_at=None,
                    created_at=SMALL_MOMENT,
                )
            ],
        )
        grandchild, child, second_child, root = SMALL_FOLDERS
        connection.execute(
            insert(Folder),
            [
                dict(
                    id=grandchild,
                    team_id=team,
                    parent_id=child,
                    name="Q1 \\ \x0b\x08\x0c\r end",
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                ),
                dict(
                    id=child,
                    team_id=team,
                    parent_id=root,
                    name="2026 \t tabs\nand newlines",
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                ),
                dict(
                    id=second_child,
                    team_id=team,
                    parent_id=root,
                    name="Drafts",
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                ),
                dict(
                    id=root,
                    team_id=team,
                    parent_id=None,
                    name="Reports",
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                ),
            ],
        )
        connection.execute(
            insert(Theme),
            [
                dict(
                    id="h" * 32,
                    team_id=team,
                    name="Brand",
                    base_theme="default",
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                )
            ],
        )
        charts = [f"{n}" * 32 for n in (1, 2, 3)]
        connection.execute(
            insert(Chart),
            [
                dict(
                    id=chart,
                    team_id=team,
                    folder_id=[None, root, grandchild][n],
                    title=f"Chart {n} — ünïcödé",
                    chart_type="bar",
                    version=2,
                    is_published=n == 0,
                    public_id="pub0" if n == 0 else None,
                    published_at=SMALL_MOMENT if n == 0 else None,
                    created_by=[user, None, other][n],
                    created_at=SMALL_MOMENT,
                    updated_at=whole_second,
                )
                for n, chart in enumerate(charts)
            ],
        )
        connection.execute(
            insert(Dashboard),
            [
                dict(
                    id="d" * 32,
                    team_id=team,
                    title="Overview",
                    layout=[{"chart_id": charts[0], "w": 6.5}],
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                )
            ],
        )
        connection.execute(
            insert(Upload),
            [
                dict(
                    id="p" * 32,
                    team_id=team,
                    chart_id=charts[0],
                    storage_key="uploads/x/data.csv",
                    size_bytes=12,
                    sha256="0" * 64,
                    row_count=2,
                    columns=[{"name": "year", "type": "number"}],
                    created_at=SMALL_MOMENT,
                )
            ],
        )
        connection.execute(
            insert(Template),
            [
                dict(
                    id="m" * 32,
                    team_id=team,
                    name="Bars",
                    source_chart_id=charts[1],
                    created_at=SMALL_MOMENT,
                    updated_at=SMALL_MOMENT,
                )
            ],
        )
        connection.execute(
            insert(ChartVersion),
            [
                dict(
                    id=n + 1,
                    chart_id=charts[n % 3],
                    number=n + 1,
                    storage_key=f"versions/{n}.json",
                    message=f"save {n}",
                    created_by=user,
                    created_at=SMALL_MOMENT + timedelta(seconds=n),
                )
                for n in range(SMALL_VERSIONS)
            ],
        )
        connection.execute(
            insert(Snapshot),
            [
                dict(
                    id="n" * 32,
                    chart_id=charts[0],
                    storage_key="snapshots/1.png",
                    size_bytes=99,
                    width=32,
                    height=24,
                    created_at=SMALL_MOMENT,
                )
            ],
        )
        connection.execute(
            insert(AppSetting),
            [
                dict(
                    key="site",
                    value={"name": "Ada's charts", "nested": {"b": [1, 2.5, None]}},
                    updated_at=SMALL_MOMENT,
                ),
                dict(key="signup open", value=True, updated_at=SMALL_MOMENT),
                dict(key="signup note", value=None, updated_at=SMALL_MOMENT),
            ],
        )
    engine.dispose()
