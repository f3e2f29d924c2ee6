"""REHEARSAL STAND-INS for Secrets Manager: secrets generated into moto's Secrets Manager, and the target
attachment that adds the database's address to a secret (moto's CloudFormation lacks both)."""

from __future__ import annotations

import json
import secrets
import string
from typing import Any, Self

from moto.core.common_models import CloudFormationModel

from storyanalytics.rehearsal.standins.base import Properties, Recreated, Standin, validation_error


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


class RehearsalSecret(Standin, CloudFormationModel):
    """Stand-in for AWS::SecretsManager::Secret: a real secret in moto's Secrets Manager. An update keeps
    the generated value, as in AWS."""

    CFN_TYPE = "AWS::SecretsManager::Secret"
    NAME_TYPE = "Name"
    ATTRIBUTES = ("Id", "SecretArn")

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        name = properties.get("Name") or resource_name
        value = properties.get("SecretString")
        if value is None:
            value = generate_secret_string(properties.get("GenerateSecretString", {}))
        result = _secrets_backend(account_id, region).create_secret(
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
        return cls(arn, {"Id": arn, "SecretArn": arn})

    def delete(self, account_id: str, region_name: str) -> None:
        _secrets_backend(account_id, region_name).delete_secret(
            self.physical_id, recovery_window_in_days=None, force_delete_without_recovery=True
        )


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


class RehearsalSecretTargetAttachment(Recreated, CloudFormationModel):
    """Stand-in for AWS::SecretsManager::SecretTargetAttachment: adds the database's connection details
    (engine, host, port, dbInstanceIdentifier, dbname) to the secret's JSON, as Secrets Manager does.
    Ref gives the secret's ARN; deleting it leaves the secret as it is (it goes with the stack, or stays
    with the retained data)."""

    CFN_TYPE = "AWS::SecretsManager::SecretTargetAttachment"
    REQUIRED = ("SecretId", "TargetId", "TargetType")

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        from moto.rds.models import rds_backends

        if properties["TargetType"] != "AWS::RDS::DBInstance":
            raise validation_error(f"{cls.cloudformation_type()}: only AWS::RDS::DBInstance targets")
        database = rds_backends[account_id][region].describe_db_instances(properties["TargetId"])[0]
        backend = _secrets_backend(account_id, region)
        secret_arn = backend.describe_secret(properties["SecretId"]).arn
        document = json.loads(_secret_string(secret_arn, account_id, region))
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
