"""REHEARSAL STAND-INS: CloudFormation resource types moto does not implement, for the offline rehearsal.

These are not AWS. They let moto's CloudFormation create the Story Analytics app stack on this machine:
the two compute types (ECS Express Mode, App Runner) hand their container settings to a launcher
(`storyanalytics.rehearsal.standins.launcher`) that may start the real app locally; secrets are generated
into moto's Secrets Manager (a target attachment adds the database's address to its secret); a bucket
policy is put on moto's bucket. They are registered only by `storyanalytics.rehearsal.standins.install()`,
which a real deploy never calls.

moto derives a service name from a model's module path, so this module lives inside a package.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from storyanalytics.rehearsal.standins.build_project import RehearsalCodeBuildProject
from storyanalytics.rehearsal.standins.launcher import ServiceSpec, get_launcher


def _arn(region: str, account_id: str, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account_id}:{resource}"


def _short_id() -> str:
    return mock_random.get_random_hex(32)


def _require(cls: Any, properties: dict[str, Any], required: tuple[str, ...]) -> None:
    """Refuse a resource without its required properties, as CloudFormation does."""
    missing = [key for key in required if key not in properties]
    if missing:
        from moto.cloudformation.exceptions import ValidationError

        raise ValidationError(
            message=f"{cls.cloudformation_type()}: missing required properties {', '.join(missing)}"
        )


# The services and recorded resources that currently exist, by physical id (tests read what a stack made).
live_resources: dict[str, Any] = {}


# --- Secrets Manager ---------------------------------------------------------------------------------
def generate_secret_string(spec: dict[str, Any]) -> str:
    """What AWS::SecretsManager::Secret GenerateSecretString produces (length, exclusions, JSON template)."""
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-./:;<=>?@[]^_`{|}~"
    excluded = set(str(spec.get("ExcludeCharacters", "")))
    if spec.get("ExcludeUppercase"):
        excluded |= set(string.ascii_uppercase)
    if spec.get("ExcludeLowercase"):
        excluded |= set(string.ascii_lowercase)
    if spec.get("ExcludeNumbers"):
        excluded |= set(string.digits)
    pool = [c for c in alphabet if c not in excluded]
    value = "".join(secrets.choice(pool) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(template)
        document[key] = value
        return json.dumps(document)
    return value


def _secrets_backend(account_id: str, region: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    return secretsmanager_backends[account_id][region]


class RehearsalSecret(CloudFormationModel):
    """Stand-in for AWS::SecretsManager::Secret: a real secret in moto's Secrets Manager."""

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
        return attr in {"Id", "SecretArn"}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in {"Id", "SecretArn"}:
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
    ) -> RehearsalSecret:
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("Name") or resource_name
        value = properties.get("SecretString")
        if value is None:
            value = generate_secret_string(properties.get("GenerateSecretString", {}))
        result = _secrets_backend(account_id, region_name).create_secret(
            name=name,
            secret_string=value,
            secret_binary=None,
            description=properties.get("Description"),
            tags=properties.get("Tags"),
            kms_key_id=properties.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        arn = json.loads(result)["ARN"] if isinstance(result, str) else result["ARN"]
        return cls(arn, name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RehearsalSecret,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RehearsalSecret:
        return original_resource  # generated values are kept across updates, as in AWS

    def delete(self, account_id: str, region_name: str) -> None:
        _secrets_backend(account_id, region_name).delete_secret(
            self.arn, recovery_window_in_days=None, force_delete_without_recovery=True
        )

    def is_created(self) -> bool:
        return True


def _secret_string(secret_id: str, account_id: str, region: str) -> str:
    response = _secrets_backend(account_id, region).get_secret_value(secret_id, None, None)
    value = response["SecretString"] if isinstance(response, dict) else json.loads(response)["SecretString"]
    return str(value)


def secret_value(secret_id: str, json_key: str, account_id: str, region: str) -> str:
    """A secret's string, or one key of its JSON when `json_key` is given."""
    value = _secret_string(secret_id, account_id, region)
    return str(json.loads(value)[json_key]) if json_key else value


def resolve_secret_reference(reference: str, account_id: str, region: str) -> str:
    """The value of `arn[:json-key[:stage[:version]]]`, as ECS and App Runner resolve runtime secrets."""
    parts = reference.split(":")
    arn, rest = ":".join(parts[:7]), parts[7:]
    return secret_value(arn, rest[0] if rest else "", account_id, region)


class RehearsalSecretTargetAttachment(CloudFormationModel):
    """Stand-in for AWS::SecretsManager::SecretTargetAttachment: adds the database's connection details
    (engine, host, port, dbInstanceIdentifier, dbname) to the secret's JSON, as Secrets Manager does."""

    def __init__(self, secret_arn: str) -> None:
        self.secret_arn = secret_arn

    @property
    def physical_resource_id(self) -> str:
        return self.secret_arn  # Ref gives the secret's ARN

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::SecretTargetAttachment"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> RehearsalSecretTargetAttachment:
        from moto.rds.models import rds_backends

        properties = cloudformation_json.get("Properties", {})
        _require(cls, properties, ("SecretId", "TargetId", "TargetType"))
        if properties["TargetType"] != "AWS::RDS::DBInstance":
            from moto.cloudformation.exceptions import ValidationError

            raise ValidationError(message=f"{cls.cloudformation_type()}: only AWS::RDS::DBInstance targets")
        database = rds_backends[account_id][region_name].describe_db_instances(properties["TargetId"])[0]
        backend = _secrets_backend(account_id, region_name)
        secret_arn = backend.describe_secret(properties["SecretId"]).arn
        document = json.loads(_secret_string(secret_arn, account_id, region_name))
        document.update(
            {
                "engine": database.engine,
                "host": database.address,
                "port": int(database.port or 5432),
                "dbInstanceIdentifier": database.db_instance_identifier,
            }
        )
        if database.db_name:
            document["dbname"] = database.db_name
        backend.put_secret_value(secret_arn, json.dumps(document), None, None, ["AWSCURRENT"])
        return cls(secret_arn)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RehearsalSecretTargetAttachment,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RehearsalSecretTargetAttachment:
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        """Leave the secret as it is: it goes with the stack, or stays with the retained data."""

    def is_created(self) -> bool:
        return True


# --- S3 bucket policy --------------------------------------------------------------------------------
class RehearsalBucketPolicy(CloudFormationModel):
    """Stand-in for AWS::S3::BucketPolicy: the policy put on moto's bucket."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def physical_resource_id(self) -> str:
        return self.bucket

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> RehearsalBucketPolicy:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        properties = cloudformation_json["Properties"]
        bucket = properties["Bucket"]
        backend = s3_backends[account_id][get_partition(region_name)]
        backend.put_bucket_policy(bucket, json.dumps(properties["PolicyDocument"]).encode())
        return cls(bucket)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: RehearsalBucketPolicy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> RehearsalBucketPolicy:
        return cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        backend = s3_backends[account_id][get_partition(region_name)]
        if self.bucket in backend.buckets:
            backend.delete_bucket_policy(self.bucket)

    def is_created(self) -> bool:
        return True


# --- Resources with no effect on this machine --------------------------------------------------------
class _Recorded:
    """A resource that only needs to exist in the stack (its effect does not matter offline).

    Concrete stand-ins list CloudFormationModel as a direct base: moto finds models by __subclasses__().
    """

    ATTRIBUTES: dict[str, str] = {}  # name -> "arn", "number" or "bool"
    REQUIRED: tuple[str, ...] = ()
    SERVICE = "rehearsal"

    def __init__(self, physical_id: str, attributes: dict[str, str]) -> None:
        self.physical_id = physical_id
        self.attributes = attributes

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _Recorded:
        properties = cloudformation_json.get("Properties", {})
        _require(cls, properties, cls.REQUIRED)
        physical_id, attributes = cls.identity(resource_name, properties, account_id, region_name)
        resource = cls(physical_id, attributes)
        live_resources[physical_id] = resource
        return resource

    @classmethod
    def identity(
        cls, resource_name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> tuple[str, dict[str, str]]:
        """The physical id and the GetAtt values of a new resource (an ARN, placeholder numbers)."""
        arn = _arn(region_name, account_id, cls.SERVICE, f"{resource_name}/{_short_id()}")
        values = {"arn": arn, "number": "1", "bool": "true"}
        return arn, {name: values[kind] for name, kind in cls.ATTRIBUTES.items()}

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _Recorded,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Recorded:
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        live_resources.pop(self.physical_id, None)

    def is_created(self) -> bool:
        return True


class RehearsalVpcConnector(_Recorded, CloudFormationModel):
    """Stand-in for AWS::AppRunner::VpcConnector."""

    ATTRIBUTES = {"VpcConnectorArn": "arn", "VpcConnectorRevision": "number"}
    REQUIRED = ("Subnets",)
    SERVICE = "apprunner"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppRunner::VpcConnector"


class RehearsalAutoScalingConfiguration(_Recorded, CloudFormationModel):
    """Stand-in for AWS::AppRunner::AutoScalingConfiguration."""

    ATTRIBUTES = {
        "AutoScalingConfigurationArn": "arn",
        "AutoScalingConfigurationRevision": "number",
        "Latest": "bool",
    }
    SERVICE = "apprunner"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppRunner::AutoScalingConfiguration"


class RehearsalRolePolicy(_Recorded, CloudFormationModel):
    """Stand-in for AWS::IAM::RolePolicy (moto does not enforce IAM here anyway)."""

    SERVICE = "iam"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::RolePolicy"


class RehearsalSecurityGroupEgress(_Recorded, CloudFormationModel):
    """Stand-in for AWS::EC2::SecurityGroupEgress (no network rules apply on loopback)."""

    SERVICE = "ec2"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupEgress"


class RehearsalQueuePolicy(_Recorded, CloudFormationModel):
    """Stand-in for AWS::SQS::QueuePolicy (the edge's invalidation queue; offline nothing sends to it)."""

    SERVICE = "sqs"
    REQUIRED = ("Queues", "PolicyDocument")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"


# --- The two compute types ---------------------------------------------------------------------------
def _name_value_pairs(items: list[dict[str, Any]] | None, value_key: str = "Value") -> dict[str, str]:
    return {str(item["Name"]): str(item.get(value_key, "")) for item in items or []}


class _Service:
    """Shared behaviour: resolve the container's settings, hand them to the launcher, keep its address."""

    KIND = ""
    REQUIRED: tuple[str, ...] = ()

    def __init__(
        self,
        arn: str,
        service_id: str,
        name: str,
        address: str,
        spec: ServiceSpec,
        attributes: dict[str, str],
    ) -> None:
        self.arn = arn
        self.service_id = service_id
        self.name = name
        self.address = address
        self.spec = spec
        self.attributes = attributes

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ServiceName"

    @classmethod
    def _spec(
        cls, name: str, properties: dict[str, Any], account_id: str, region: str, service_id: str
    ) -> ServiceSpec:
        raise NotImplementedError

    @classmethod
    def _attributes(cls, arn: str, service_id: str, address: str) -> dict[str, str]:
        raise NotImplementedError

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._attributes("arn", "id", "address")

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _Service:
        properties = cloudformation_json.get("Properties", {})
        _require(cls, properties, cls.REQUIRED)
        name = properties.get("ServiceName") or resource_name
        service_id = _short_id()
        spec = cls._spec(name, properties, account_id, region_name, service_id)
        address = get_launcher().start(spec)
        arn = cls._arn(name, service_id, properties, account_id, region_name)
        service = cls(arn, service_id, name, address, spec, cls._attributes(arn, service_id, address))
        live_resources[arn] = service
        return service

    @classmethod
    def _arn(
        cls, name: str, service_id: str, properties: dict[str, Any], account_id: str, region: str
    ) -> str:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _Service,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Service:
        """A new image or setting rolls the service: start the new one, then stop the old one."""
        properties = cloudformation_json.get("Properties", {})
        spec = cls._spec(
            original_resource.name, properties, account_id, region_name, original_resource.service_id
        )
        if spec == original_resource.spec:
            return original_resource
        address = get_launcher().start(spec)
        get_launcher().stop(original_resource.address)
        original_resource.spec = spec
        original_resource.address = address
        original_resource.attributes = cls._attributes(
            original_resource.arn, original_resource.service_id, address
        )
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        live_resources.pop(self.arn, None)
        get_launcher().stop(self.address)

    def is_created(self) -> bool:
        return True


class RehearsalExpressGatewayService(_Service, CloudFormationModel):
    """Stand-in for AWS::ECS::ExpressGatewayService (Amazon ECS Express Mode)."""

    KIND = "ecs-express"
    REQUIRED = ("PrimaryContainer", "ExecutionRoleArn", "InfrastructureRoleArn")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ECS::ExpressGatewayService"

    @classmethod
    def _arn(
        cls, name: str, service_id: str, properties: dict[str, Any], account_id: str, region: str
    ) -> str:
        cluster = str(properties.get("Cluster") or "default").rsplit("/", 1)[-1]
        return _arn(region, account_id, "ecs", f"service/{cluster}/{name}")

    @classmethod
    def _attributes(cls, arn: str, service_id: str, address: str) -> dict[str, str]:
        return {"ServiceArn": arn, "Endpoint": address, "Status.StatusCode": "ACTIVE"}

    @classmethod
    def _spec(
        cls, name: str, properties: dict[str, Any], account_id: str, region: str, service_id: str
    ) -> ServiceSpec:
        container = properties.get("PrimaryContainer", {})
        environment = _name_value_pairs(container.get("Environment"))
        for secret_name, reference in _name_value_pairs(container.get("Secrets"), "ValueFrom").items():
            environment[secret_name] = resolve_secret_reference(reference, account_id, region)
        logs = container.get("AwsLogsConfiguration") or {}
        return ServiceSpec(
            kind=cls.KIND,
            name=name,
            image=str(container.get("Image", "")),
            port=int(container.get("ContainerPort", 80)),
            environment=environment,
            log_group=logs.get("LogGroup"),
            log_stream_prefix=str(logs.get("LogStreamPrefix", "app")),
            account_id=account_id,
            region=region,
        )


class RehearsalAppRunnerService(_Service, CloudFormationModel):
    """Stand-in for AWS::AppRunner::Service."""

    KIND = "apprunner"
    REQUIRED = ("SourceConfiguration",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AppRunner::Service"

    @classmethod
    def _arn(
        cls, name: str, service_id: str, properties: dict[str, Any], account_id: str, region: str
    ) -> str:
        return _arn(region, account_id, "apprunner", f"service/{name}/{service_id}")

    @classmethod
    def _attributes(cls, arn: str, service_id: str, address: str) -> dict[str, str]:
        return {"ServiceArn": arn, "ServiceId": service_id, "ServiceUrl": address, "Status": "RUNNING"}

    @classmethod
    def _spec(
        cls, name: str, properties: dict[str, Any], account_id: str, region: str, service_id: str
    ) -> ServiceSpec:
        repository = properties.get("SourceConfiguration", {}).get("ImageRepository", {})
        image_config = repository.get("ImageConfiguration", {})
        environment = _name_value_pairs(image_config.get("RuntimeEnvironmentVariables"))
        for secret_name, reference in _name_value_pairs(
            image_config.get("RuntimeEnvironmentSecrets")
        ).items():
            environment[secret_name] = resolve_secret_reference(reference, account_id, region)
        return ServiceSpec(
            kind=cls.KIND,
            name=name,
            image=str(repository.get("ImageIdentifier", "")),
            port=int(image_config.get("Port", 8080)),
            environment=environment,
            # App Runner names the application log group itself.
            log_group=f"/aws/apprunner/{name}/{service_id}/application",
            log_stream_prefix="instance",
            account_id=account_id,
            region=region,
        )


# Every stand-in model; `install()` checks that no other model claims one of their types.
STANDIN_MODELS: tuple[type[CloudFormationModel], ...] = (
    RehearsalSecret,
    RehearsalSecretTargetAttachment,
    RehearsalBucketPolicy,
    RehearsalVpcConnector,
    RehearsalAutoScalingConfiguration,
    RehearsalRolePolicy,
    RehearsalSecurityGroupEgress,
    RehearsalQueuePolicy,
    RehearsalExpressGatewayService,
    RehearsalAppRunnerService,
    RehearsalCodeBuildProject,
)
