"""REHEARSAL STAND-INS for the `lambda` compute: the function's alias and URL, which moto lacks.

The function and its versions are moto's own. The alias is made in moto's Lambda (its API has aliases).
The function URL is where the rehearsal plays the function: a local process running the image's command
(uvicorn) behind the same readiness check on /api/health as the Lambda Web Adapter, started by the
rehearsal's launcher with the function's environment. It is not Lambda: no adapter, no cold starts, no
payload limits. moto derives a service name from a model's module path, so this lives inside a package.
"""

from __future__ import annotations

from typing import Any, Self

from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins.base import Properties, Standin, live_resources
from storyanalytics.rehearsal.standins.launcher import ServiceSpec, get_launcher

# The image's AWS_LWA_PORT (Dockerfile): the port the adapter forwards to.
IMAGE_PORT = 8000


def _lambda_backend(account_id: str, region: str) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account_id][region]


class RehearsalLambdaAlias(Standin, CloudFormationModel):
    """Stand-in for AWS::Lambda::Alias, kept in moto's Lambda so permissions and lookups find it."""

    CFN_TYPE = "AWS::Lambda::Alias"
    ATTRIBUTES = ("AliasArn",)
    REQUIRED = ("FunctionName", "FunctionVersion", "Name")

    def __init__(self, arn: str, function_name: str, name: str) -> None:
        super().__init__(arn, {"AliasArn": arn})
        self.function_name = function_name
        self.name = name

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        function_name = str(properties["FunctionName"]).split(":function:")[-1].split(":")[0]
        alias = _lambda_backend(account_id, region).create_alias(
            name=properties["Name"],
            function_name=function_name,
            function_version=str(properties["FunctionVersion"]),
            description=str(properties.get("Description", "")),
            routing_config=None,
        )
        return cls(alias.arn, function_name, properties["Name"])

    def update(self, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        """A new version: the alias switches to it in one step, as on Lambda."""
        _lambda_backend(account_id, region).update_alias(
            name=self.name,
            function_name=self.function_name,
            function_version=str(properties["FunctionVersion"]),
            description=str(properties.get("Description", "")),
            routing_config=None,
        )
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        _lambda_backend(account_id, region_name).delete_alias(self.name, self.function_name)


class RehearsalFunctionUrl(Standin, CloudFormationModel):
    """Stand-in for AWS::Lambda::Url: the function played by a local process (see the module note)."""

    CFN_TYPE = "AWS::Lambda::Url"
    ATTRIBUTES = ("FunctionUrl", "FunctionArn")
    REQUIRED = ("TargetFunctionArn", "AuthType")

    def __init__(self, arn: str, address: str, spec: ServiceSpec) -> None:
        super().__init__(arn, {"FunctionUrl": f"https://{address}/", "FunctionArn": arn})
        self.address = address
        self.spec = spec

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
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        arn, spec = cls._spec(properties, account_id, region)
        url = cls(arn, get_launcher().start(spec), spec)
        live_resources[f"{arn}:url"] = url
        return url

    def delete(self, account_id: str, region_name: str) -> None:
        live_resources.pop(f"{self.physical_id}:url", None)
        get_launcher().stop(self.address)
