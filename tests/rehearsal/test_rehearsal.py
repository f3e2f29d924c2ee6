"""The offline rehearsal end to end: the three notebooks through papermill against moto, a local
PostgreSQL database and the app in cloud mode. One rehearsal serves every test in this module; the
test that breaks the stack runs last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from storyanalytics.rehearsal import Rehearsal, RehearsalError
from storyanalytics.rehearsal.infra import require_loopback
from storyanalytics.runbooks import NotebookFailed, find_secrets

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture(scope="module")
def rehearsal(
    tmp_path_factory: pytest.TempPathFactory, postgres_database_factory: object
) -> Iterator[tuple[Rehearsal, list[str]]]:
    lines: list[str] = []
    runs_dir = tmp_path_factory.mktemp("runs")
    with Rehearsal(compute="ecs-express", runs_dir=runs_dir, say=lines.append) as rehearsal:
        rehearsal.run_all()
        yield rehearsal, lines


def _text(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", "")))
    return ANSI.sub("", "\n".join(parts))


def test_all_three_notebooks_execute(rehearsal: tuple[Rehearsal, list[str]]) -> None:
    runs = rehearsal[0].runs
    assert [run.name for run in runs] == ["deploy", "migrate", "check"]
    assert all(run.output_path.exists() for run in runs)


def test_check_notebook_table_is_all_pass(rehearsal: tuple[Rehearsal, list[str]]) -> None:
    text = _text(rehearsal[0].runs[2].output_path)
    assert "9 of 9 checks passed." in text
    assert "FAIL" not in text


def test_chart_made_locally_is_served_by_the_cloud_url(rehearsal: tuple[Rehearsal, list[str]]) -> None:
    journey = rehearsal[0]
    assert journey.sample is not None
    chart = journey.fetch_chart(journey.sample.chart_id)
    assert chart["title"] == journey.sample.title


def test_chart_published_locally_answers_through_the_cdn_after_the_migration(
    rehearsal: tuple[Rehearsal, list[str]],
) -> None:
    journey = rehearsal[0]
    assert journey.sample is not None
    # The result table wraps long cells onto continuation rows: read it as one line of words.
    words = " ".join(re.sub(r"[|│┃]", " ", _text(journey.runs[2].output_path)).split())
    assert f"/embed/{journey.sample.public_id} and its payload answered 200 through the CDN" in words


def test_executed_notebooks_hold_no_secrets(rehearsal: tuple[Rehearsal, list[str]]) -> None:
    journey = rehearsal[0]
    _, admin_password = journey.admin_credentials()
    for run in journey.runs:
        raw = run.output_path.read_text(encoding="utf-8")
        assert admin_password not in raw
        assert find_secrets(raw) == []


def test_deploy_notebook_shows_how_to_reveal_the_password(rehearsal: tuple[Rehearsal, list[str]]) -> None:
    assert "aws secretsmanager get-secret-value" in _text(rehearsal[0].runs[0].output_path)


def test_every_rehearsal_line_is_labelled(rehearsal: tuple[Rehearsal, list[str]]) -> None:
    lines = rehearsal[1]
    assert any("REHEARSAL (offline, nothing is created in AWS)" in line for line in lines)
    assert all(line.startswith("REHEARSAL | ") for line in lines)


def _as_typed_in_jupyterlab(source: str, values: dict[str, object]) -> str:
    """The parameters cell with its values edited in place, as a person does (no injected cell)."""
    lines = []
    for line in source.splitlines():
        name = line.split(":", 1)[0].strip()
        if name in values and "=" in line:
            declared, _, rest = line.partition("=")
            comment = rest[rest.index("#") :] if "#" in rest else ""
            line = f"{declared}= {values[name]!r}  {comment}".rstrip()
        lines.append(line)
    return "\n".join(lines)


def _run_like_jupyterlab(rehearsal: Rehearsal, name: str, values: dict[str, object]) -> nbformat.NotebookNode:
    """Run All Cells, top to bottom, with nbclient on the committed notebook (what JupyterLab does)."""
    import os

    from nbclient import NotebookClient

    from storyanalytics.runbooks import ensure_kernel, notebook_path

    path = notebook_path(name)
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    cell.source = _as_typed_in_jupyterlab(cell.source, {**rehearsal.common_parameters(), **values})
    env = {**os.environ}
    for key, value in rehearsal.environment().items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    client = NotebookClient(
        notebook, kernel_name=ensure_kernel(), timeout=600, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute(env=env)
    return notebook


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    parts = [
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    ]
    return ANSI.sub("", "\n".join(parts))


def test_notebooks_run_top_to_bottom_as_in_jupyterlab_with_the_codebuild_stand_in(
    tmp_path: Path, postgres_database_factory: object
) -> None:
    """Run All Cells with nbclient, parameters typed into their cell (no papermill), on a fresh rehearsal
    whose image is built by the labelled CodeBuild stand-in: deploy, migrate and check all pass."""
    from storyanalytics.rehearsal.codebuild import LABEL
    from storyanalytics.rehearsal.journey import ADMIN_EMAIL

    # Its own stack name: moto keeps every stack of this process, the module's rehearsal included.
    with Rehearsal(
        compute="ecs-express",
        builder="codebuild",
        stack_name="story-analytics-lab",
        runs_dir=tmp_path,
        say=lambda line: None,
    ) as journey:
        assert journey.sample is not None
        texts = {}
        for name, values in (
            ("deploy", {"compute": journey.compute, "builder": "codebuild", "admin_email": ADMIN_EMAIL}),
            ("migrate", {"data_dir": str(journey.sample.data_dir), "database_url": ""}),
            ("check", {"database_url": journey.database.url}),
        ):
            notebook = _run_like_jupyterlab(journey, name, values)
            code = [cell for cell in notebook.cells if cell.cell_type == "code"]
            assert all(cell.execution_count for cell in code), name
            texts[name] = _outputs_text(notebook)
    assert "codebuild: --builder codebuild" in texts["deploy"]
    assert f"build | {LABEL}" in texts["deploy"] and "registered placeholder image" in texts["deploy"]


def test_rehearsal_refuses_a_real_aws_endpoint() -> None:
    with pytest.raises(RehearsalError, match="refuses endpoint"):
        require_loopback("https://cloudformation.us-east-1.amazonaws.com")


def test_z_deleted_bucket_fails_the_check_notebook_naming_the_bucket(
    rehearsal: tuple[Rehearsal, list[str]],
) -> None:
    """Runs last (it breaks the stack): the bucket is deleted behind the stack's back."""
    journey = rehearsal[0]
    bucket = journey.outputs()["BucketName"]
    s3 = journey.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(NotebookFailed, match=rf"bucket .{bucket}.*does not exist") as failure:
        journey.check()
    assert "StackCheckFailed" in str(failure.value)
    assert failure.value.output_path.exists()
