"""Notebook parameters are checked before anything runs: one clear sentence per problem."""

from __future__ import annotations

import pytest

from storyanalytics.runbooks import (
    ParameterError,
    notebook_path,
    parse_parameter_pairs,
    read_parameters,
    validate_parameters,
)


@pytest.fixture(scope="module")
def deploy_parameters():  # type: ignore[no-untyped-def]
    return read_parameters(notebook_path("deploy"))


@pytest.fixture(scope="module")
def migrate_parameters():  # type: ignore[no-untyped-def]
    return read_parameters(notebook_path("migrate"))


def test_valid_parameters_are_converted_to_their_declared_types(migrate_parameters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = validate_parameters(
        migrate_parameters, {"region": "eu-west-1", "merge": "false", "data_dir": str(tmp_path)}
    )
    assert checked == {"region": "eu-west-1", "merge": False, "data_dir": str(tmp_path)}


def test_unknown_parameter_is_refused_with_the_known_names(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match=r"no parameter 'regoin'.*region"):
        validate_parameters(deploy_parameters, {"regoin": "eu-west-1"}, notebook="01_deploy.ipynb")


def test_wrong_type_is_refused(migrate_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="merge must be true or false"):
        validate_parameters(migrate_parameters, {"merge": "maybe"})


def test_bad_region_is_refused(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="region 'eu-wset-1'"):
        validate_parameters(deploy_parameters, {"region": "eu-wset-1"})


def test_region_that_is_not_shaped_like_one_is_refused(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="not an AWS region name"):
        validate_parameters(deploy_parameters, {"region": "Frankfurt"})


def test_unknown_compute_is_refused(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="lambda, ecs-express or apprunner"):
        validate_parameters(deploy_parameters, {"compute": "fargate"})


def test_unknown_builder_is_refused_with_the_choices(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="use auto, local, codebuild"):
        validate_parameters(deploy_parameters, {"builder": "podman"})


def test_deploy_notebook_takes_the_builder(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    assert validate_parameters(deploy_parameters, {"builder": "codebuild"}) == {"builder": "codebuild"}


def test_bad_stack_name_is_refused(deploy_parameters) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="not a valid CloudFormation stack name"):
        validate_parameters(deploy_parameters, {"stack_name": "my_stack"})


def test_missing_data_folder_is_refused(migrate_parameters, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="is not a folder"):
        validate_parameters(migrate_parameters, {"data_dir": str(tmp_path / "nope")})


def test_pair_without_equals_sign_is_refused() -> None:
    with pytest.raises(ParameterError, match="name=value"):
        parse_parameter_pairs(["region"])


def test_pairs_are_split_at_the_first_equals_sign() -> None:
    assert parse_parameter_pairs(["database_url=a=b", "region=us-east-1"]) == {
        "database_url": "a=b",
        "region": "us-east-1",
    }


def test_unknown_notebook_name_is_refused() -> None:
    from storyanalytics.runbooks import NotebookError

    with pytest.raises(NotebookError, match="use one of deploy, migrate, check"):
        notebook_path("deplyo")
