"""The production image, really built and run: what a deploy ships answers, serves, signs in and publishes.

Each test runs against the same image in local mode and in cloud mode (PostgreSQL and a moto S3 server).
"""

from __future__ import annotations

import json
import re
import time

import boto3
import httpx
import pytest
from served_app import ADMIN_EMAIL, HEALTHY_TIMEOUT_S, Served, signed_in

pytestmark = [pytest.mark.image, pytest.mark.slow]

CSV = "country,value\nFrance,3\nSpain,5\nItaly,2\n"


def test_image_answers_health_with_its_database_and_storage_up(served: Served) -> None:
    response = httpx.get(f"{served.url}/api/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["storage"] == "ok"


def test_image_serves_the_built_web_app_at_the_root(served: Served) -> None:
    page = httpx.get(f"{served.url}/", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
    assert scripts, "the page loads no built script"
    asset = httpx.get(f"{served.url}{scripts[0]}", timeout=10)
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]


def test_signed_in_user_is_known_to_the_image(served: Served) -> None:
    with signed_in(served) as client:
        me = client.get("/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == (ADMIN_EMAIL if served.mode == "cloud" else "local@localhost")


def test_anonymous_requests_are_refused_in_cloud_mode(cloud_served: Served) -> None:
    assert httpx.get(f"{cloud_served.url}/api/charts", timeout=10).status_code == 401


def test_chart_made_and_published_is_read_back_through_the_public_route(served: Served) -> None:
    with signed_in(served) as client:
        made = client.post(
            "/api/charts",
            json={
                "title": "Rates",
                "chart_type": "column",
                "config": {"mapping": {"x": "country", "y": "value"}},
            },
        )
        assert made.status_code == 201, made.text
        chart_id = made.json()["id"]
        uploaded = client.put(
            f"/api/charts/{chart_id}/data", content=CSV.encode(), headers={"Content-Type": "text/csv"}
        )
        assert uploaded.status_code == 200, uploaded.text
        published = client.post(f"/api/charts/{chart_id}/publish")
        assert published.status_code == 200, published.text
    public_id = published.json()["public_id"]
    public = httpx.get(f"{served.url}/api/public/charts/{public_id}", timeout=10)  # no credentials
    assert public.status_code == 200, public.text
    assert public.json()["title"] == "Rates"
    assert "France" in json.dumps(public.json())


def test_cloud_mode_keeps_the_chart_files_in_the_bucket(cloud_served: Served, moto_server: str) -> None:
    with signed_in(cloud_served) as client:
        made = client.post("/api/charts", json={"title": "Stored in S3"})
    assert made.status_code == 201, made.text
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=cloud_served.bucket).get("Contents", [])]
    assert any(made.json()["id"] in key for key in keys), keys


def test_image_process_runs_as_a_non_root_user(served: Served) -> None:
    status = served.container.exec("cat", "/proc/1/status")
    assert status.returncode == 0, status.stderr
    uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)", status.stdout, re.MULTILINE)
    assert uids and uids.group(1) != "0" and uids.group(2) != "0", status.stdout


def test_docker_reports_the_container_healthy(served: Served) -> None:
    deadline = time.monotonic() + HEALTHY_TIMEOUT_S
    while (health := served.container.health()) not in {
        "healthy",
        "unhealthy",
    } and time.monotonic() < deadline:
        time.sleep(0.5)
    assert health == "healthy", served.container.logs()[-2000:]


def test_secrets_given_as_environment_values_never_reach_the_logs(cloud_served: Served) -> None:
    served = cloud_served
    with httpx.Client(base_url=served.url, timeout=20) as client:  # the paths most likely to log them
        client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong-password-1"})
        client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": served.env["ADMIN_PASSWORD"]})
        client.get("/api/health")
    logs = served.container.logs()
    assert "Application startup complete" in logs  # the logs are really there to search
    leaked = [value[:6] + "..." for value in served.secrets() if value in logs]
    assert not leaked, f"secret values found in docker logs: {leaked}"


def test_installed_package_carries_templates_and_migrations_but_no_dev_tools(local_served: Served) -> None:
    probe = (
        "import importlib.resources as r, importlib.util as u, json; "
        "root = r.files('storyanalytics'); "
        "print(json.dumps({"
        "'file': __import__('storyanalytics').__file__, "
        "'cfn': [root.joinpath('cfn', n + '.yaml').is_file() for n in ('bootstrap', 'app')], "
        "'migrations': root.joinpath('db', 'migrations', 'env.py').is_file(), "
        "'dev': [m for m in ('pytest', 'ruff', 'mypy', 'hypothesis', 'moto') if u.find_spec(m)]}))"
    )
    result = local_served.container.exec("python", "-c", probe)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert not found["file"].startswith("/app/storyanalytics")  # installed, not the copied sources
    assert found["cfn"] == [True, True]
    assert found["migrations"] is True
    assert found["dev"] == []


def test_every_compiled_module_still_loads_after_the_slimming_step(local_served: Served) -> None:
    # storyanalytics/image_slim.py strips compiled modules' debug sections; a broken one would fail here.
    probe = (
        "import importlib, json, pathlib, sysconfig; "
        "root = pathlib.Path(sysconfig.get_path('purelib')); "
        "names = ['.'.join((*p.relative_to(root).parent.parts, p.name.split('.')[0])) "
        "for p in root.rglob('*.cpython-*.so')]; "
        "failed = []\n"
        "for name in names:\n"
        "    try: importlib.import_module(name)\n"
        "    except ImportError as exc: failed.append(f'{name}: {exc}')\n"
        "print(json.dumps({'count': len(names), 'failed': failed}))"
    )
    result = local_served.container.exec("python", "-c", probe)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["count"] > 20  # uvloop, SQLAlchemy, pydantic-core, Pillow, lxml, duckdb...
    assert [f for f in found["failed"] if "tkinter" not in f] == []  # Pillow's Tk module needs tkinter


def test_the_image_has_no_pydantic_plugin_for_its_switch_to_turn_off(local_served: Served) -> None:
    # The Dockerfile sets PYDANTIC_DISABLE_PLUGINS=__all__ to skip pydantic's plugin search at each start;
    # a dependency that brought a plugin would be silently off, so none may.
    probe = "import importlib.metadata as m; print([e.value for e in m.entry_points(group='pydantic')])"
    result = local_served.container.exec("python", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert local_served.container.exec("printenv", "PYDANTIC_DISABLE_PLUGINS").stdout.strip() == "__all__"
