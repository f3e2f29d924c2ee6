"""Two gaps in moto's CloudFormation that the real app template runs into, filled for tests only.

- `Fn::Cidr` is not evaluated (the template carves its subnets with it);
- a stack created through a change set never gets its Outputs (moto builds them only in create_stack
  and update_stack, not when a change set is executed);
- AWS::RDS::DBInstance has no `MasterUserSecret.SecretArn` attribute;
- `!GetAtt Res.A.B` and `${Res.A.B}` in Fn::Sub are split at every dot, not the first one only.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from moto.cloudformation import models, parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation import utils as cfn_utils
from moto.rds import models as rds_models

_original_clean_json = parsing.clean_json
_original_apply = models.ChangeSet.apply


def _clean_json_with_cidr(resource_json: Any, resources_map: Any) -> Any:
    if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
        block, count, bits = (_original_clean_json(part, resources_map) for part in resource_json["Fn::Cidr"])
        network = ipaddress.ip_network(str(block), strict=False)
        subnets = network.subnets(new_prefix=network.max_prefixlen - int(bits))
        return [str(subnet) for _, subnet in zip(range(int(count)), subnets, strict=False)]
    if isinstance(resource_json, dict) and isinstance(resource_json.get("Fn::GetAtt"), list):
        parts = resource_json["Fn::GetAtt"]
        if len(parts) > 2:  # `${Res.A.B}` inside Fn::Sub is split at every dot
            resource_json = {"Fn::GetAtt": [parts[0], ".".join(str(part) for part in parts[1:])]}
    return _original_clean_json(resource_json, resources_map)


def _apply_and_build_outputs(self: Any) -> None:
    _original_apply(self)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


def _yaml_tag_constructor(loader: Any, tag: Any, node: Any) -> Any:
    if tag == "!GetAtt" and isinstance(node.value, str):
        return {"Fn::GetAtt": node.value.split(".", 1)}
    return _original_yaml_tag_constructor(loader, tag, node)


_original_yaml_tag_constructor = cfn_utils.yaml_tag_constructor


def install() -> None:
    if parsing.clean_json is not _clean_json_with_cidr:
        parsing.clean_json = _clean_json_with_cidr
        models.ChangeSet.apply = _apply_and_build_outputs  # type: ignore[method-assign]
        rds_models.DBInstance.has_cfn_attr = classmethod(_rds_has_cfn_attr)  # type: ignore[method-assign,assignment]
        rds_models.DBInstance.get_cfn_attribute = _rds_get_cfn_attribute  # type: ignore[method-assign]
        for module in (models, cfn_responses, cfn_utils):
            module.yaml_tag_constructor = _yaml_tag_constructor  # type: ignore[attr-defined]


def _rds_has_cfn_attr(cls: Any, attr: str) -> bool:
    return attr in {"Endpoint.Address", "Endpoint.Port", "MasterUserSecret.SecretArn", "DBInstanceArn"}


def _rds_get_cfn_attribute(self: Any, attribute_name: str) -> Any:
    """Adds the managed master secret's ARN, which the app template passes to the service."""
    if attribute_name == "MasterUserSecret.SecretArn":
        secret = getattr(self, "master_user_secret", None)
        if secret is not None:
            return secret.secret.arn
        prefix = f"arn:aws:secretsmanager:{self.region}:{self.account_id}"
        return f"{prefix}:secret:rds!db-{self.db_instance_identifier}"
    if attribute_name == "DBInstanceArn":
        return self.db_instance_arn
    return _original_rds_get_cfn_attribute(self, attribute_name)


_original_rds_get_cfn_attribute = rds_models.DBInstance.get_cfn_attribute
