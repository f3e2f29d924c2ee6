"""The stand-in models. Each class subclasses CloudFormationModel directly (moto only looks one level
down), and lives in a module inside a package because moto derives a service name from the module path.
"""

from __future__ import annotations

import secrets
from typing import Any

from moto.core.common_models import CloudFormationModel

# Everything the stand-ins currently hold, by physical id: tests read it to see what a stack created.
created_services: dict[str, Any] = {}


class _StandinResource:
    """Shared behaviour; deliberately not a CloudFormationModel itself (it would be registered)."""

    REQUIRED: tuple[str, ...] = ()
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, name: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        missing = [key for key in self.REQUIRED if key not in properties]
        if missing:
            raise ValueError(f"{type(self).__name__}: missing required properties {missing}")
        self.name = name
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.resource_id = secrets.token_hex(16)
        self.arn = self._make_arn()
        created_services[self.arn] = self

    def _make_arn(self) -> str:
        raise NotImplementedError

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES or any(attr.startswith(f"{name}.") for name in cls.ATTRIBUTES)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if not self.has_cfn_attr(attribute_name):
            raise UnformattedGetAttTemplateException()
        return self._attribute(attribute_name)

    def _attribute(self, attribute_name: str) -> Any:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        return cls(resource_name, dict(cloudformation_json.get("Properties", {})), account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        # A new image or setting rolls the same service: keep its identity, take the new properties.
        original_resource.properties = dict(cloudformation_json.get("Properties", {}))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        for arn, resource in list(created_services.items()):
            if isinstance(resource, cls) and resource_name in {resource.name, arn}:
                created_services.pop(arn, None)

    def delete(self, account_id: str, region_name: str) -> None:
        created_services.pop(self.arn, None)

    def is_created(self) -> bool:
        return True


class StandinExpressGatewayService(_StandinResource, CloudFormationModel):
    """AWS::ECS::ExpressGatewayService: image + roles in, service ARN and an HTTPS endpoint out."""

    REQUIRED = ("PrimaryContainer", "ExecutionRoleArn", "InfrastructureRoleArn")
    ATTRIBUTES = (
        "ServiceArn",
        "Endpoint",
        "CreatedAt",
        "UpdatedAt",
        "Status",
        "ActiveConfigurations",
        "EcsManagedResourceArns",
    )

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ServiceName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ECS::ExpressGatewayService"

    def _make_arn(self) -> str:
        cluster = str(self.properties.get("Cluster") or "default").rsplit("/", 1)[-1]
        return f"arn:aws:ecs:{self.region_name}:{self.account_id}:service/{cluster}/{self.name}"

    def _attribute(self, attribute_name: str) -> Any:
        if attribute_name == "ServiceArn":
            return self.arn
        if attribute_name == "Endpoint":
            return f"{self.name[:20].lower()}-{self.resource_id[:8]}.ecs.{self.region_name}.on.aws"
        if attribute_name.startswith("Status"):
            return "ACTIVE"
        if attribute_name in {"CreatedAt", "UpdatedAt"}:
            return "2026-01-01T00:00:00Z"
        return f"arn:aws:standin:{self.region_name}:{self.account_id}:{attribute_name}/{self.resource_id[:8]}"


class StandinAppRunnerService(_StandinResource, CloudFormationModel):
    """AWS::AppRunner::Service: an image source in, service ARN/ID/URL out."""

    REQUIRED = ("SourceConfiguration",)
    ATTRIBUTES = ("ServiceArn", "ServiceId", "ServiceUrl", "Status")

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ServiceName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppRunner::Service"

    def _make_arn(self) -> str:
        return (
            f"arn:aws:apprunner:{self.region_name}:{self.account_id}:service/{self.name}/{self.resource_id}"
        )

    def _attribute(self, attribute_name: str) -> Any:
        return {
            "ServiceArn": self.arn,
            "ServiceId": self.resource_id,
            "ServiceUrl": f"{self.resource_id[:10]}.{self.region_name}.awsapprunner.com",
            "Status": "RUNNING",
        }[attribute_name]


class StandinAppRunnerVpcConnector(_StandinResource, CloudFormationModel):
    """AWS::AppRunner::VpcConnector: subnets and security groups in, connector ARN out."""

    REQUIRED = ("Subnets",)
    ATTRIBUTES = ("VpcConnectorArn", "VpcConnectorRevision")

    @staticmethod
    def cloudformation_name_type() -> str:
        return "VpcConnectorName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppRunner::VpcConnector"

    def _make_arn(self) -> str:
        prefix = f"arn:aws:apprunner:{self.region_name}:{self.account_id}"
        return f"{prefix}:vpcconnector/{self.name}/1/{self.resource_id}"

    def _attribute(self, attribute_name: str) -> Any:
        return self.arn if attribute_name == "VpcConnectorArn" else 1


class StandinAppRunnerAutoScalingConfiguration(_StandinResource, CloudFormationModel):
    """AWS::AppRunner::AutoScalingConfiguration: sizes in, configuration ARN out."""

    ATTRIBUTES = ("AutoScalingConfigurationArn", "AutoScalingConfigurationRevision", "Latest")

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AutoScalingConfigurationName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppRunner::AutoScalingConfiguration"

    def _make_arn(self) -> str:
        prefix = f"arn:aws:apprunner:{self.region_name}:{self.account_id}"
        return f"{prefix}:autoscalingconfiguration/{self.name}/1/{self.resource_id}"

    def _attribute(self, attribute_name: str) -> Any:
        return {"AutoScalingConfigurationArn": self.arn, "AutoScalingConfigurationRevision": 1}.get(
            attribute_name, True
        )


class StandinSecretsManagerSecret(CloudFormationModel):
    """AWS::SecretsManager::Secret: makes a real secret in moto's Secrets Manager (so
    get-secret-value works against the server), generating its value like the real resource."""

    def __init__(self, arn: str, name: str) -> None:
        self.arn = arn
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        from moto.secretsmanager.models import secretsmanager_backends

        properties = cloudformation_json.get("Properties", {})
        value = properties.get("SecretString")
        if value is None:
            generate = properties.get("GenerateSecretString") or {}
            value = secrets.token_urlsafe(int(generate.get("PasswordLength", 32)))
            if generate.get("SecretStringTemplate") and generate.get("GenerateStringKey"):
                import json

                document = json.loads(generate["SecretStringTemplate"])
                document[generate["GenerateStringKey"]] = value
                value = json.dumps(document)
        backend = secretsmanager_backends[account_id][region_name]
        created = backend.create_secret(
            name=properties.get("Name") or resource_name,
            secret_string=value,
            secret_binary=None,
            description=properties.get("Description"),
            tags=properties.get("Tags"),
            kms_key_id=None,
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        import json

        arn = json.loads(created)["ARN"] if isinstance(created, str) else created["ARN"]
        return cls(arn, resource_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.secretsmanager.models import secretsmanager_backends

        backend = secretsmanager_backends[account_id][self.arn.split(":")[3]]
        backend.delete_secret(self.arn, recovery_window_in_days=None, force_delete_without_recovery=True)

    def is_created(self) -> bool:
        return True
