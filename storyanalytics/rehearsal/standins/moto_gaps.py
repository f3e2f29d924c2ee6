"""REHEARSAL STAND-INS: the gaps in moto's CloudFormation that the Story Analytics templates run into.

The one place these are filled (the offline rehearsal, and the tests through it):

- `Fn::Cidr` is not evaluated (the templates carve their subnets with it);
- `{{resolve:secretsmanager:...}}` dynamic references are passed on as text, not resolved;
- `!GetAtt Res.A.B` (YAML) and `${Res.A.B}` (inside Fn::Sub) are split at every dot, not at the first;
- a stack made through a CREATE change set keeps the outputs of the empty template it started from;
- RDS through CloudFormation uses MySQL's port for every engine;
- buckets made by CloudFormation lose their public access block and versioning, and a TLS-only bucket
  policy (moto ignores conditions) would refuse every request;
- UpdateTerminationProtection is missing (and deleting a protected stack is not refused);
- AWS::Lambda::Version has no attributes (`!GetAtt Version.Version`, which the alias points at).

`install()` applies each patch once; a real deploy never imports this module.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from itertools import islice
from typing import Any

_installed = False
_lock = threading.Lock()


# --- Template parsing: !GetAtt, Fn::Cidr, dotted attributes in Fn::Sub ------------------------------
def _patch_yaml_get_att() -> None:
    """moto's YAML constructor splits `!GetAtt A.B.C` on every dot; CloudFormation splits on the first."""
    from moto.cloudformation import models, responses, utils

    original = utils.yaml_tag_constructor

    def yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
        if tag == "!GetAtt" and isinstance(node.value, str):
            return {"Fn::GetAtt": node.value.split(".", 1)}
        return original(loader, tag, node)

    # Each module registers the constructor through its own global when it parses a template.
    for module in (models, responses, utils):
        module.yaml_tag_constructor = yaml_tag_constructor  # type: ignore[attr-defined]


def cidr(ip_block: str, count: int, cidr_bits: int) -> list[str]:
    """Fn::Cidr: the first `count` subnets of `ip_block` with `cidr_bits` host bits each."""
    network = ipaddress.ip_network(str(ip_block), strict=False)
    prefix = network.max_prefixlen - int(cidr_bits)
    return [str(subnet) for subnet in islice(network.subnets(new_prefix=prefix), int(count))]


_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:secretsmanager:([^}]+)\}\}")


def resolve_dynamic_references(text: str, account_id: str, region: str) -> str:
    """Each `{{resolve:secretsmanager:id[:SecretString[:json-key[:stage[:version]]]]}}` in `text`
    replaced by the value it names, as CloudFormation does; an id may be a full ARN (with colons)."""
    from moto.cloudformation.exceptions import ValidationError

    from storyanalytics.rehearsal.standins.secrets_manager import secret_value

    def value(match: re.Match[str]) -> str:
        parts = match.group(1).split(":")
        split = 7 if parts[0] == "arn" else 1
        secret_id, rest = ":".join(parts[:split]), parts[split:]
        json_key = rest[1] if len(rest) > 1 else ""
        try:
            return secret_value(secret_id, json_key, account_id, region)
        except Exception:
            raise ValidationError(
                message=f"Could not resolve the dynamic reference {match.group(0)!r}: no such secret or key"
            ) from None

    return _DYNAMIC_REFERENCE.sub(value, text)


def _patch_intrinsics() -> None:
    """Fn::Cidr, Fn::GetAtt lists longer than two (from `${Res.A.B}` in Fn::Sub) joined back, and
    Secrets Manager dynamic references resolved.

    Every recursive call in moto's parser goes through the module global, so replacing it is enough.
    """
    from moto.cloudformation import parsing

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
            ip_block, count, bits = (original(part, resources_map) for part in resource_json["Fn::Cidr"])
            return cidr(ip_block, count, bits)
        if isinstance(resource_json, dict) and isinstance(resource_json.get("Fn::GetAtt"), list):
            parts = resource_json["Fn::GetAtt"]
            if len(parts) > 2:
                resource_json = {"Fn::GetAtt": [parts[0], ".".join(str(part) for part in parts[1:])]}
        result = original(resource_json, resources_map)
        if isinstance(result, str) and "{{resolve:secretsmanager:" in result:
            return resolve_dynamic_references(result, resources_map._account_id, resources_map._region_name)
        return result

    parsing.clean_json = clean_json


# --- Change sets ------------------------------------------------------------------------------------
def _patch_change_set_outputs() -> None:
    """moto builds a stack's outputs only in create_stack/update_stack; a change set's stack needs them."""
    from moto.cloudformation.models import ChangeSet

    original_apply = ChangeSet.apply

    def apply(self: Any) -> None:
        original_apply(self)
        self.stack.template = self.template
        self.stack._parse_template()
        self.stack.output_map = self.stack._create_output_map()

    ChangeSet.apply = apply  # type: ignore[method-assign]


def _extend_create(model: Any, before: Any = None, after: Any = None) -> None:
    """Wrap `model.create_from_cloudformation_json`: `before(properties)` may fill defaults,
    `after(resource, properties, account_id, region_name)` applies what moto left out."""
    original_create = model.create_from_cloudformation_json.__func__

    def create(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        if before is not None:
            before(properties)
        resource = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        if after is not None:
            after(resource, properties, account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(create)


# --- RDS ---------------------------------------------------------------------------------------------
def _patch_rds() -> None:
    """RDS through CloudFormation listens on the engine's port (moto gives every engine MySQL's 3306)."""
    from moto.rds.models import DBInstance

    def engine_port(properties: dict[str, Any]) -> None:
        if "Port" not in properties and properties.get("Engine"):
            properties["Port"] = DBInstance.default_port(properties["Engine"])

    _extend_create(DBInstance, before=engine_port)


# --- S3 ---------------------------------------------------------------------------------------------
def _patch_s3_bucket() -> None:
    """Buckets made by CloudFormation also get their public access block and versioning."""
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    def block_and_versioning(bucket: Any, properties: dict[str, Any], account_id: str, region: str) -> None:
        backend = s3_backends[account_id][get_partition(region)]
        block = properties.get("PublicAccessBlockConfiguration")
        if block:
            backend.put_public_access_block(bucket.name, {k: str(v).lower() for k, v in block.items()})
        versioning = properties.get("VersioningConfiguration", {}).get("Status")
        if versioning:
            backend.put_bucket_versioning(bucket.name, versioning)

    _extend_create(FakeBucket, after=block_and_versioning)

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


# --- CloudFormation API -----------------------------------------------------------------------------
def _patch_termination_protection() -> None:
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

    CloudFormationResponse.update_termination_protection = update_termination_protection  # type: ignore[attr-defined]
    CloudFormationResponse.delete_stack = delete_stack  # type: ignore[method-assign]


def _patch_lambda_version() -> None:
    """Give moto's AWS::Lambda::Version its `Version` attribute (the number it published)."""
    from moto.awslambda.models import LambdaVersion
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

    def has_cfn_attr(cls: Any, attr: str) -> bool:
        return attr == "Version"

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "Version":
            return str(self.version)
        raise UnformattedGetAttTemplateException()

    LambdaVersion.has_cfn_attr = classmethod(has_cfn_attr)  # type: ignore[method-assign,assignment]
    LambdaVersion.get_cfn_attribute = get_cfn_attribute  # type: ignore[attr-defined]


def install() -> None:
    """Fill the gaps (idempotent: each patch wraps moto's original exactly once)."""
    global _installed
    with _lock:
        if _installed:
            return
        _patch_yaml_get_att()
        _patch_intrinsics()
        _patch_change_set_outputs()
        _patch_rds()
        _patch_s3_bucket()
        _patch_termination_protection()
        _patch_lambda_version()
        _installed = True
