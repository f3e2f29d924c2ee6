"""REHEARSAL STAND-INS for the `lambda` compute: the function's alias and URL, which moto lacks.

The function and its versions are moto's own. The alias is made in moto's Lambda (its API has aliases).
The function URL is where the rehearsal plays the function: a local process running the image's command
(uvicorn) behind the same readiness check on /api/health as the Lambda Web Adapter, started by the
rehearsal's launcher with the function's environment. It is not Lambda: no adapter, no cold starts, no
payload limits. moto derives a service name from a model's module path, so this lives inside a package.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins.launcher import ServiceSpec, get_launcher
from storyanalytics.rehearsal.standins.models import _require, live_resources

# The image's AWS_LWA_PORT (Dockerfile): the port the adapter forwards to.
IMAGE_PORT = 8000


def _lambda_backend(account_id: str, region: str) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account_id][region]


class RehearsalLambdaAlias(CloudFormationModel):
    """Stand-in for AWS::Lambda::Alias, kept in moto's Lambda so permissions and lookups find it."""

    def __init__(self, arn: str, function_name: str, name: str) -> None:
        self.arn = arn
        self.function_name = function_name
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "AliasArn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "AliasArn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> RehearsalLambdaAlias:
        properties = cloudformation_json.get("Properties", {})
        _require(cls, properties, ("FunctionName", "FunctionVersion", "Name"))
        backend = _lambda_backend(account_id, region_name)
        function_name = str(properties["FunctionName"]).split(":function:")[-1].split(":")[0]
        alias = backend.create_alias(
            name=properties["Name"],
            function_name=function_name,
            function_version=str(properties["FunctionVersion"]),
            description=str(properties.get("Description", "")),
            routing_config=None,
        )
        return cls(alias.arn, function_name, properties["Name"])

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RehearsalLambdaAlias,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RehearsalLambdaAlias:
        """A new version: the alias switches to it in one step, as on Lambda."""
        properties = cloudformation_json.get("Properties", {})
        _lambda_backend(account_id, region_name).update_alias(
            name=original_resource.name,
            function_name=original_resource.function_name,
            function_version=str(properties["FunctionVersion"]),
            description=str(properties.get("Description", "")),
            routing_config=None,
        )
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        _lambda_backend(account_id, region_name).delete_alias(self.name, self.function_name)

    def is_created(self) -> bool:
        return True


class RehearsalFunctionUrl(CloudFormationModel):
    """Stand-in for AWS::Lambda::Url: the function played by a local process (see the module note)."""

    def __init__(self, arn: str, address: str, spec: ServiceSpec) -> None:
        self.arn = arn
        self.address = address
        self.spec = spec

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Url"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in {"FunctionUrl", "FunctionArn"}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "FunctionUrl":
            return f"https://{self.address}/"
        if attribute_name == "FunctionArn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    @staticmethod
    def _spec(properties: dict[str, Any], account_id: str, region: str) -> tuple[str, ServiceSpec]:
        backend = _lambda_backend(account_id, region)
        function = backend.get_function(str(properties["TargetFunctionArn"]))
        logging = getattr(function, "logging_config", None) or {}
        spec = ServiceSpec(
            kind="lambda",
            name=function.function_name,
            image=str(function.code.get("ImageUri", "")),
            port=IMAGE_PORT,
            environment={str(k): str(v) for k, v in (function.environment_vars or {}).items()},
            log_group=logging.get("LogGroup") if isinstance(logging, dict) else None,
            log_stream_prefix="lambda",
            account_id=account_id,
            region=region,
        )
        return str(function.function_arn), spec

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> RehearsalFunctionUrl:
        properties = cloudformation_json.get("Properties", {})
        _require(cls, properties, ("TargetFunctionArn", "AuthType"))
        arn, spec = cls._spec(properties, account_id, region_name)
        url = cls(arn, get_launcher().start(spec), spec)
        live_resources[f"{arn}:url"] = url
        return url

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RehearsalFunctionUrl,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RehearsalFunctionUrl:
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        live_resources.pop(f"{self.arn}:url", None)
        get_launcher().stop(self.address)

    def is_created(self) -> bool:
        return True


LAMBDA_STANDIN_MODELS: tuple[type[CloudFormationModel], ...] = (RehearsalLambdaAlias, RehearsalFunctionUrl)
