"""The image's slimming step (storyanalytics/image_slim.py) keeps what the app needs: every AWS client the
code run in the image creates has its botocore model kept (a static check of the source), resolves the
same endpoints from the pruned endpoints file, and keeps every part of the model but its prose."""

from __future__ import annotations

import ast
import copy
import json
import shutil
from pathlib import Path

import botocore
from botocore.exceptions import BotoCoreError
from botocore.loaders import create_loader
from botocore.model import ServiceModel
from botocore.regions import EndpointResolver

from storyanalytics.image_slim import (
    KEPT_SERVICES,
    NOT_IN_IMAGE,
    UNUSED_MODULES,
    prune_endpoints,
    strip_model_documentation,
)

PACKAGE = Path(__file__).resolve().parents[2] / "storyanalytics"
CLIENT_FACTORIES = {"client", "create_client", "resource", "certificate_client"}


def image_sources() -> list[Path]:
    excluded = tuple(part.replace(".", "/") for part in NOT_IN_IMAGE)
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.relative_to(PACKAGE).as_posix().startswith(excluded)
    ]


def client_services(path: Path) -> list[str]:
    """The service named by each `*.client(...)` call in a file; '?' when it is not a string literal."""
    services = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in CLIENT_FACTORIES:
                first = node.args[0] if node.args else None
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                services.append(first.value if literal else "?")  # type: ignore[union-attr]
    return services


def test_every_aws_client_the_image_creates_keeps_its_botocore_model() -> None:
    created = {(path.name, service) for path in image_sources() for service in client_services(path)}
    assert ("s3.py", "s3") in created  # the check sees the app's storage client
    assert {service for _, service in created} <= KEPT_SERVICES, sorted(created)


def imported_modules(path: Path) -> set[str]:
    """The top-level names of the modules a file imports (absolute imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_packages_uninstalled_from_the_image_are_imported_by_no_code_in_it() -> None:
    importing = {
        path.relative_to(PACKAGE).as_posix(): sorted(imported_modules(path) & set(UNUSED_MODULES))
        for path in image_sources()
    }
    assert "botocore" in imported_modules(PACKAGE / "storage" / "s3.py")  # the check sees the imports
    assert {name: found for name, found in importing.items() if found} == {}
    assert "email_validator" in imported_modules(PACKAGE / "deploy" / "aws_deployment.py")  # left out


def test_code_run_outside_the_image_is_the_only_code_left_out() -> None:
    kept = set(image_sources())
    left_out = {path.relative_to(PACKAGE).parts[0] for path in PACKAGE.rglob("*.py") if path not in kept}
    assert left_out - {"publish"} == {"deploy", "checks", "rehearsal", "runbooks", "cli.py", "image_slim.py"}


def resolved(resolver: EndpointResolver, service: str, region: str | None, partition: str) -> object:
    """What botocore resolves for a service in a region (None: its partition's endpoint), or the error."""
    try:
        return resolver.construct_endpoint(service, region, partition_name=partition)
    except BotoCoreError as exc:
        return type(exc).__name__


def test_kept_services_resolve_the_same_endpoints_from_the_pruned_file(tmp_path: Path) -> None:
    source = Path(botocore.__file__).parent / "data" / "endpoints.json"
    pruned_file = tmp_path / "botocore" / "data" / "endpoints.json"
    pruned_file.parent.mkdir(parents=True)
    shutil.copy(source, pruned_file)
    assert prune_endpoints(tmp_path) > source.stat().st_size // 2
    full_data = json.loads(source.read_text(encoding="utf-8"))
    full, pruned = EndpointResolver(full_data), EndpointResolver(json.loads(pruned_file.read_text("utf-8")))
    compared = 0
    for partition in full_data["partitions"]:
        name = partition["partition"]
        for service in sorted(KEPT_SERVICES):
            listed = [resolver.get_available_endpoints(service, name) for resolver in (full, pruned)]
            assert listed[0] == listed[1], (service, name)
            for region in [*partition["regions"], None]:
                both = [resolved(resolver, service, region, name) for resolver in (full, pruned)]
                assert both[0] == both[1], (service, region)
                compared += 1
    assert compared > 100


def removed_keys(before: object, after: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of the keys `after` lacks; fails where anything else differs."""
    if not isinstance(before, dict):
        assert before == after, path
        return []
    assert isinstance(after, dict) and after.keys() <= before.keys(), path
    return [
        removed
        for key, value in before.items()
        for removed in (removed_keys(value, after[key], (*path, key)) if key in after else [(*path, key)])
    ]


def test_kept_models_lose_their_prose_only() -> None:
    loader = create_loader()
    for service in sorted(KEPT_SERVICES):
        original = loader.load_service_model(service, "service-2")
        stripped = copy.deepcopy(original)
        strip_model_documentation(stripped)
        removed = removed_keys(original, stripped)
        assert removed, service
        # Only `documentation` attributes, never a shape member that happens to bear the name.
        assert all(path[-1] == "documentation" and path[-2:-1] != ("members",) for path in removed), service
        full, slim = ServiceModel(original, service), ServiceModel(stripped, service)
        assert slim.operation_names == full.operation_names
        for name in full.operation_names:
            before, after = full.operation_model(name).input_shape, slim.operation_model(name).input_shape
            assert (before and list(before.members)) == (after and list(after.members)), (service, name)
