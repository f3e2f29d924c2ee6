"""Notebook parameters: read from each notebook's `parameters` cell, checked before anything runs.

The notebook is the one place that declares its parameters (name, type, default, help comment);
this module reads them with papermill and answers a bad value with one sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import papermill

from storyanalytics.deploy.builders.base import BUILDER_CHOICES
from storyanalytics.deploy.computes import (
    COMPUTE_CHOICES,
    SizeError,
    check_size_for_any,
    choices_text,
    get_compute,
)
from storyanalytics.deploy.stack_name import stack_name_problem
from storyanalytics.errors import StoryAnalyticsError


class ParameterError(StoryAnalyticsError):
    """A notebook parameter is unknown, of the wrong type or has a value that cannot work."""


@dataclass(frozen=True)
class NotebookParameter:
    name: str
    type_name: str  # "str", "bool", "int" or "float"
    default: Any
    help: str


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def _literal(text: str) -> Any:
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def read_parameters(notebook_path: Path) -> dict[str, NotebookParameter]:
    """The parameters a notebook declares in its cell tagged `parameters`."""
    inferred = papermill.inspect_notebook(str(notebook_path))
    parameters: dict[str, NotebookParameter] = {}
    for name, info in inferred.items():
        default = _literal(str(info.get("default", "None")))
        type_name = str(info.get("inferred_type_name") or "None")
        if type_name == "None":
            type_name = type(default).__name__ if default is not None else "str"
        parameters[name] = NotebookParameter(name, type_name, default, str(info.get("help") or ""))
    return parameters


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Every region botocore knows, in every partition."""
    import boto3

    session = boto3.session.Session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return frozenset(regions)


def validate_region(region: str) -> str:
    region = region.strip()
    if region in known_regions():
        return region
    hint = "e.g. us-east-1 or eu-west-1"
    if not _REGION_SHAPE.match(region):
        raise ParameterError(f"region {region!r} is not an AWS region name: use one like {hint}.")
    raise ParameterError(
        f"region {region!r} is not a region this version of boto3 knows: check the spelling ({hint}) "
        "or upgrade boto3 if the region is new."
    )


def _coerce(parameter: NotebookParameter, value: Any) -> Any:
    """`value` as the parameter's type; strings from the command line are converted."""
    expected = parameter.type_name
    name = parameter.name
    if expected == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ParameterError(f"parameter {name} must be true or false, not {value!r}.")
    if expected == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            return int(value)
        raise ParameterError(f"parameter {name} must be a whole number, not {value!r}.")
    if expected == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(str(value))
        except ValueError:
            raise ParameterError(f"parameter {name} must be a number, not {value!r}.") from None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Path) and not isinstance(value, bool):
        return str(value)
    raise ParameterError(f"parameter {name} must be text, not {value!r}.")


def _check_value(name: str, value: Any) -> Any:
    """Checks that need to know what a parameter means (shared names across the notebooks)."""
    if name == "region":
        return validate_region(value)
    problem = stack_name_problem(value) if name == "stack_name" else None
    if problem:
        raise ParameterError(
            f"stack_name {value!r} is not a valid CloudFormation stack name here: {problem}."
        )
    if name == "compute" and value not in COMPUTE_CHOICES:
        raise ParameterError(f"compute {value!r} is unknown: use {choices_text()}.")
    if name == "builder" and value not in BUILDER_CHOICES:
        raise ParameterError(f"builder {value!r} is unknown: use {', '.join(BUILDER_CHOICES)}.")
    if name == "endpoint_url" and value and not re.match(r"^https?://[^\s/]+", value):
        raise ParameterError(
            f"endpoint_url {value!r} is not a URL: leave it empty for AWS, or use e.g. http://127.0.0.1:5000."
        )
    if name == "data_dir" and value and not Path(value).expanduser().is_dir():
        raise ParameterError(f"data_dir {value!r} is not a folder: point it at your local data/ folder.")
    return value


def validate_parameters(
    declared: Mapping[str, NotebookParameter], given: Mapping[str, Any], notebook: str = "the notebook"
) -> dict[str, Any]:
    """The given parameters converted to their declared types; raises ParameterError on the first problem."""
    checked: dict[str, Any] = {}
    for name, value in given.items():
        parameter = declared.get(name)
        if parameter is None:
            choices = ", ".join(sorted(declared)) or "none"
            raise ParameterError(f"{notebook} has no parameter {name!r}: its parameters are {choices}.")
        checked[name] = _check_value(name, _coerce(parameter, value))
    _check_size(declared, checked)
    return checked


def _check_size(declared: Mapping[str, NotebookParameter], checked: Mapping[str, Any]) -> None:
    """cpu and memory must be a pair the compute can run (both known here, or left to the library)."""
    values = {name: parameter.default for name, parameter in declared.items()} | dict(checked)
    cpu, memory = values.get("cpu"), values.get("memory")
    if not cpu or not memory or not ({"cpu", "memory"} & set(checked)):
        return
    try:
        if values.get("compute"):
            get_compute(str(values["compute"])).check_size(str(cpu), str(memory))
        else:
            check_size_for_any(str(cpu), str(memory))
    except SizeError as exc:
        raise ParameterError(str(exc).replace("--cpu", "cpu").replace("--memory", "memory")) from None


def parse_parameter_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`["region=eu-west-1", ...]` (as given to `-p`) as a dict; a pair without `=` is refused."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"parameter {pair!r} must be written as name=value, e.g. region=eu-west-1.")
        parsed[name.strip()] = value.strip()
    return parsed
