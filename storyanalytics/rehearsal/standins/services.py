"""REHEARSAL STAND-INS for the two container compute types (ECS Express Mode, App Runner), which moto
lacks: they hand their container settings to the launcher (`standins.launcher`), which may start the real
app locally, and keep the address it answers at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins.base import Properties, Standin, arn, live_resources, short_id
from storyanalytics.rehearsal.standins.launcher import ServiceSpec, get_launcher
from storyanalytics.rehearsal.standins.secrets_manager import resolve_secret_reference


def _name_value_pairs(items: list[dict[str, Any]] | None, value_key: str = "Value") -> dict[str, str]:
    return {str(item["Name"]): str(item.get(value_key, "")) for item in items or []}


@dataclass(frozen=True)
class _Container:
    """Where each compute type keeps its container's settings in the template."""

    image: str
    port: int
    variables: list[dict[str, Any]] | None
    secrets: list[dict[str, Any]] | None
    log_group: str | None
    log_stream_prefix: str


class _Service(Standin):
    """Shared behaviour: resolve the container's settings, hand them to the launcher, keep its address."""

    NAME_TYPE = "ServiceName"
    KIND = ""
    SECRET_KEY = "Value"  # where a secret's reference is: ECS says ValueFrom, App Runner Value

    def __init__(self, arn: str, service_id: str, name: str, address: str, spec: ServiceSpec) -> None:
        super().__init__(arn, self._attributes(arn, service_id, address))
        self.service_id = service_id
        self.name = name
        self.address = address
        self.spec = spec

    @classmethod
    def _container(cls, name: str, properties: Properties, service_id: str) -> _Container:
        raise NotImplementedError

    @classmethod
    def _spec(
        cls, name: str, properties: Properties, account_id: str, region: str, service_id: str
    ) -> ServiceSpec:
        """What the launcher runs: the container's settings, its secrets resolved from Secrets Manager."""
        container = cls._container(name, properties, service_id)
        environment = _name_value_pairs(container.variables)
        for secret_name, reference in _name_value_pairs(container.secrets, cls.SECRET_KEY).items():
            environment[secret_name] = resolve_secret_reference(reference, account_id, region)
        return ServiceSpec(
            kind=cls.KIND,
            name=name,
            image=container.image,
            port=container.port,
            environment=environment,
            log_group=container.log_group,
            log_stream_prefix=container.log_stream_prefix,
            account_id=account_id,
            region=region,
        )

    @classmethod
    def _attributes(cls, arn: str, service_id: str, address: str) -> dict[str, str]:
        raise NotImplementedError

    @classmethod
    def _arn(cls, name: str, service_id: str, properties: Properties, account_id: str, region: str) -> str:
        raise NotImplementedError

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._attributes("arn", "id", "address")

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        name = properties.get("ServiceName") or resource_name
        service_id = short_id()
        spec = cls._spec(name, properties, account_id, region, service_id)
        address = get_launcher().start(spec)
        service_arn = cls._arn(name, service_id, properties, account_id, region)
        service = cls(service_arn, service_id, name, address, spec)
        live_resources[service_arn] = service
        return service

    def update(self, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        """A new image or setting rolls the service: start the new one, then stop the old one."""
        spec = self._spec(self.name, properties, account_id, region, self.service_id)
        if spec == self.spec:
            return self
        address = get_launcher().start(spec)
        get_launcher().stop(self.address)
        self.spec = spec
        self.address = address
        self.attributes = self._attributes(self.physical_id, self.service_id, address)
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        live_resources.pop(self.physical_id, None)
        get_launcher().stop(self.address)


class RehearsalExpressGatewayService(_Service, CloudFormationModel):
    """Stand-in for AWS::ECS::ExpressGatewayService (Amazon ECS Express Mode)."""

    CFN_TYPE = "AWS::ECS::ExpressGatewayService"
    KIND = "ecs-express"
    SECRET_KEY = "ValueFrom"
    REQUIRED = ("PrimaryContainer", "ExecutionRoleArn", "InfrastructureRoleArn")

    @classmethod
    def _arn(cls, name: str, service_id: str, properties: Properties, account_id: str, region: str) -> str:
        cluster = str(properties.get("Cluster") or "default").rsplit("/", 1)[-1]
        return arn(region, account_id, "ecs", f"service/{cluster}/{name}")

    @classmethod
    def _attributes(cls, arn: str, service_id: str, address: str) -> dict[str, str]:
        return {"ServiceArn": arn, "Endpoint": address, "Status.StatusCode": "ACTIVE"}

    @classmethod
    def _container(cls, name: str, properties: Properties, service_id: str) -> _Container:
        container = properties.get("PrimaryContainer", {})
        logs = container.get("AwsLogsConfiguration") or {}
        return _Container(
            image=str(container.get("Image", "")),
            port=int(container.get("ContainerPort", 80)),
            variables=container.get("Environment"),
            secrets=container.get("Secrets"),
            log_group=logs.get("LogGroup"),
            log_stream_prefix=str(logs.get("LogStreamPrefix", "app")),
        )


class RehearsalAppRunnerService(_Service, CloudFormationModel):
    """Stand-in for AWS::AppRunner::Service."""

    CFN_TYPE = "AWS::AppRunner::Service"
    KIND = "apprunner"
    REQUIRED = ("SourceConfiguration",)

    @classmethod
    def _arn(cls, name: str, service_id: str, properties: Properties, account_id: str, region: str) -> str:
        return arn(region, account_id, "apprunner", f"service/{name}/{service_id}")

    @classmethod
    def _attributes(cls, arn: str, service_id: str, address: str) -> dict[str, str]:
        return {"ServiceArn": arn, "ServiceId": service_id, "ServiceUrl": address, "Status": "RUNNING"}

    @classmethod
    def _container(cls, name: str, properties: Properties, service_id: str) -> _Container:
        repository = properties.get("SourceConfiguration", {}).get("ImageRepository", {})
        image_config = repository.get("ImageConfiguration", {})
        return _Container(
            # App Runner names the application log group itself.
            log_group=f"/aws/apprunner/{name}/{service_id}/application",
            log_stream_prefix="instance",
            image=str(repository.get("ImageIdentifier", "")),
            port=int(image_config.get("Port", 8080)),
            variables=image_config.get("RuntimeEnvironmentVariables"),
            secrets=image_config.get("RuntimeEnvironmentSecrets"),
        )
