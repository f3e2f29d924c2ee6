"""REHEARSAL STAND-INS: make moto's CloudFormation able to create the Story Analytics stacks offline.

`install()` registers stand-in models for the resource types moto lacks (ECS Express, App Runner,
Secrets Manager secrets, bucket policies, ...) and fills gaps in the ones it has (RDS managed master
password and `Endpoint.*` attributes, bucket public access block and versioning, dotted `!GetAtt`).
Only the offline rehearsal and tests call it; a real deploy never imports this package.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from storyanalytics.rehearsal.standins.launcher import (
    PlaceholderLauncher,
    ServiceLauncher,
    ServiceSpec,
    get_launcher,
    set_launcher,
)

__all__ = [
    "PlaceholderLauncher",
    "ServiceLauncher",
    "ServiceSpec",
    "get_launcher",
    "install",
    "set_launcher",
]

_installed = False
_lock = threading.Lock()


def _yaml_tag_constructor(loader: Any, tag: str, node: Any) -> Any:
    """moto's constructor splits `!GetAtt A.B.C` on every dot; CloudFormation splits on the first only."""
    import yaml

    if tag == "!Ref":
        return {"Ref": node.value}
    key = f"Fn::{tag[1:]}"
    if tag == "!GetAtt":
        if isinstance(node, yaml.SequenceNode):
            return {key: loader.construct_sequence(node)}
        return {key: node.value.split(".", 1)}
    if isinstance(node, yaml.SequenceNode):
        return {key: loader.construct_sequence(node)}
    if isinstance(node, yaml.MappingNode):
        return {key: loader.construct_mapping(node)}
    return {key: node.value}


def _patch_get_att() -> None:
    import moto.cloudformation.models as cfn_models
    import moto.cloudformation.responses as cfn_responses

    cfn_models.yaml_tag_constructor = _yaml_tag_constructor
    cfn_responses.yaml_tag_constructor = _yaml_tag_constructor


def _cidr(ip_block: str, count: int, cidr_bits: int) -> list[str]:
    """Fn::Cidr: the first `count` subnets of `ip_block` with `cidr_bits` host bits each."""
    import ipaddress
    from itertools import islice

    network = ipaddress.ip_network(ip_block, strict=False)
    prefix = network.max_prefixlen - int(cidr_bits)
    return [str(subnet) for subnet in islice(network.subnets(new_prefix=prefix), int(count))]


def _patch_intrinsics() -> None:
    """moto's template parser lacks Fn::Cidr; every recursive call goes through the module global."""
    import moto.cloudformation.parsing as parsing

    original = parsing.clean_json
    if getattr(original, "rehearsal_patched", False):
        return

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
            ip_block, count, bits = (original(part, resources_map) for part in resource_json["Fn::Cidr"])
            return _cidr(ip_block, count, bits)
        return original(resource_json, resources_map)

    clean_json.rehearsal_patched = True  # type: ignore[attr-defined]
    parsing.clean_json = clean_json


def _patch_rds() -> None:
    """RDS through CloudFormation: ManageMasterUserPassword, the engine's port, MasterUserSecret.SecretArn."""
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.rds.models import DBInstance, MasterUserSecret

    original_create = DBInstance.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        if "Port" not in properties and properties.get("Engine"):
            properties["Port"] = DBInstance.default_port(properties["Engine"])
        database = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        if str(properties.get("ManageMasterUserPassword", "")).lower() == "true":
            database.master_user_secret = MasterUserSecret(
                database, properties.get("MasterUserSecret", {}).get("KmsKeyId")
            )
            database.manage_master_user_password = True
        return database

    def has_cfn_attr(cls: Any, attr: str) -> bool:
        return attr in {"Endpoint.Address", "Endpoint.Port", "MasterUserSecret.SecretArn", "DbiResourceId"}

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name in {"Endpoint.Address", "Endpoint"}:
            return self.address
        if attribute_name == "Endpoint.Port":
            return self.port
        # `${Database.MasterUserSecret.SecretArn}` inside !Sub reaches here as "MasterUserSecret".
        if attribute_name in {"MasterUserSecret.SecretArn", "MasterUserSecret"}:
            secret = getattr(self, "master_user_secret", None)
            if secret is None:
                raise UnformattedGetAttTemplateException()
            return secret.secret_arn
        if attribute_name == "DbiResourceId":
            return self.dbi_resource_id
        raise UnformattedGetAttTemplateException()

    DBInstance.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]
    DBInstance.has_cfn_attr = classmethod(has_cfn_attr)  # type: ignore[assignment]
    DBInstance.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]


def _patch_s3_bucket() -> None:
    """Buckets made by CloudFormation also get their public access block and versioning."""
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    original_create = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        bucket = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json.get("Properties", {})
        backend = s3_backends[account_id][get_partition(region_name)]
        block = properties.get("PublicAccessBlockConfiguration")
        if block:
            backend.put_public_access_block(bucket.name, {k: str(v).lower() for k, v in block.items()})
        versioning = properties.get("VersioningConfiguration", {}).get("Status")
        if versioning:
            backend.put_bucket_versioning(bucket.name, versioning)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)  # type: ignore[assignment]

    def get_permission(self: Any, action: str, resource: str) -> Any:
        """moto ignores conditions, so a TLS-only Deny would refuse everything; AWS traffic is HTTPS,
        so statements conditioned on aws:SecureTransport do not apply here."""
        from moto.iam.access_control import IAMPolicy, PermissionResult

        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        statements = [statements] if isinstance(statements, dict) else statements
        kept = [s for s in statements if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))]
        if not kept:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": kept})).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _patch_cloudformation_api() -> None:
    """UpdateTerminationProtection, which moto lacks; deleting a protected stack is refused, as in AWS."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    if hasattr(CloudFormationResponse, "update_termination_protection"):
        return

    def update_termination_protection(self: Any) -> Any:
        name = self._get_param("StackName")
        enabled = str(self._get_param("EnableTerminationProtection")).lower() == "true"
        stack = self.cloudformation_backend.get_stack(name)
        stack.enable_termination_protection = enabled
        return ActionResult({"StackId": stack.stack_id})

    original_delete = CloudFormationResponse.delete_stack

    def delete_stack(self: Any) -> Any:
        name = self._get_param("StackName")
        stacks = [s for s in self.cloudformation_backend.stacks.values() if name in {s.name, s.stack_id}]
        live = [s for s in stacks if s.status != "DELETE_COMPLETE"]
        if live and live[0].enable_termination_protection:
            raise ValidationError(
                message=f"Stack [{name}] cannot be deleted while TerminationProtection is enabled"
            )
        return original_delete(self)

    from moto.cloudformation.models import CloudFormationBackend

    original_execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        """moto keeps the outputs of the empty template a CREATE change set starts from; re-read them."""
        original_execute(self, change_set_name, stack_name)
        for stack in self.stacks.values():
            if stack_name in {None, stack.name, stack.stack_id} and stack.status.endswith("_COMPLETE"):
                stack._parse_template()
                stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]
    CloudFormationResponse.update_termination_protection = update_termination_protection  # type: ignore[attr-defined]
    CloudFormationResponse.delete_stack = delete_stack  # type: ignore[method-assign]


def install() -> None:
    """Register the stand-ins with moto (idempotent); call before moto parses a template."""
    global _installed
    with _lock:
        if _installed:
            return
        import moto.cloudformation.parsing as parsing

        from storyanalytics.rehearsal.standins import models  # noqa: F401  (defining the models registers them)

        _patch_get_att()
        _patch_intrinsics()
        _patch_rds()
        _patch_s3_bucket()
        _patch_cloudformation_api()
        for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
            cached.cache_clear()
        _installed = True
