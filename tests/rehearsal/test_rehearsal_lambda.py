"""The offline rehearsal on the default compute, Lambda: deploy, migrate and check pass as on the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyanalytics.rehearsal import Rehearsal

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_rehearsal_on_lambda_deploys_migrates_and_checks_green(
    tmp_path: Path, postgres_database_factory: object
) -> None:
    # Its own stack name: moto keeps every stack of this process, other rehearsals' included.
    with Rehearsal(
        compute="lambda", stack_name="story-analytics-fn", runs_dir=tmp_path, say=lambda _: None
    ) as journey:
        runs = journey.run_all()
        assert [run.name for run in runs] == ["deploy", "migrate", "check"]
        assert journey.sample is not None
        assert journey.fetch_chart(journey.sample.chart_id)["title"] == journey.sample.title
        stack = journey.client("cloudformation").describe_stacks(StackName="story-analytics-fn")["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    assert parameters["Compute"] == "lambda"
