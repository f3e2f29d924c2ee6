"""Where a migration goes, read from the deployed stack's outputs: the one lookup the CLI
(`story-analytics migrate --stack-name`) and the migration notebook share.

The admin password stays in the AdminPasswordSecretArn secret until `app_import_options` needs it; it
is never part of a repr, a message or the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

from storyanalytics.db import redact_url
from storyanalytics.migrate.errors import MigrationError


def stack_outputs(region: str, stack_name: str, endpoint_url: str | None = None) -> dict[str, str]:
    """The stack's outputs; one sentence when the stack is missing or cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.session.Session(region_name=region).client("cloudformation", endpoint_url=endpoint_url)
    try:
        stack = client.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc.response.get("Error", {}).get("Message", "")):
            raise MigrationError(
                f"stack {stack_name!r} does not exist in {region}: deploy it first (story-analytics deploy "
                "or notebook 01_deploy), or check the region and stack name."
            ) from None
        raise MigrationError(
            f"cannot read stack {stack_name!r} in {region} ({exc.response.get('Error', {}).get('Code')}): "
            "use credentials allowed to describe it, and check the region and stack name."
        ) from None
    except BotoCoreError as exc:
        raise MigrationError(
            f"cannot read stack {stack_name!r} in {region} ({type(exc).__name__}): check your AWS "
            "credentials, the region and the stack name."
        ) from None
    return {item["OutputKey"]: item.get("OutputValue", "") for item in stack.get("Outputs", [])}


@dataclass
class MigrationTarget:
    """Where local data goes: the stack's bucket and database (the URL's password is never shown).

    Without `database_url` the app at `app_url` imports the metadata (the stack's database is private);
    the admin password stays in the `admin_password_secret_arn` secret until it is needed.
    """

    region: str
    stack_name: str
    bucket: str
    database_url: str = field(repr=False)
    admin_email: str
    endpoint_url: str | None
    app_url: str = ""
    admin_password_secret_arn: str = field(default="", repr=False)
    data_dir: str = ""  # the folder the copy step migrated (the app path shares from it)

    def __str__(self) -> str:
        where = (
            f"database {redact_url(self.database_url)}"
            if self.database_url
            else f"metadata imported by the app at {self.app_url} (no tunnel needed)"
        )
        return f"stack {self.stack_name} ({self.region}): bucket {self.bucket}, {where}"

    def admin_password(self) -> str:
        """Read from the stack's secret at the moment it is needed; never stored on the target."""
        from storyanalytics.migrate.remote_import import admin_password_from_secret

        return admin_password_from_secret(self.region, self.admin_password_secret_arn, self.endpoint_url)

    def app_import_options(self, verify_tls: bool | str = True) -> dict[str, Any]:
        """The app path's options for migrate_local_to_cloud, the admin password read from its secret."""
        return {
            "app_url": self.app_url,
            "admin_email": self.admin_email,
            "admin_password": self.admin_password(),
            "verify_tls": verify_tls,
        }

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def migration_target(
    region: str,
    stack_name: str = "story-analytics",
    *,
    endpoint_url: str | None = None,
    database_url: str = "",
) -> MigrationTarget:
    """The stack's bucket, and either `database_url` (e.g. an SSH tunnel) or, when it is empty, the
    stack's app (AppUrl), which imports the metadata from inside the VPC with the stack's admin."""
    outputs = stack_outputs(region, stack_name, endpoint_url)
    if not outputs.get("BucketName"):
        raise MigrationError(
            f"stack {stack_name!r} has no BucketName output: pass the name of a Story Analytics stack."
        )
    url = database_url.strip()
    if not url and not (outputs.get("AppUrl") and outputs.get("AdminPasswordSecretArn")):
        raise MigrationError(
            f"stack {stack_name!r} has no AppUrl/AdminPasswordSecretArn outputs: wait until its deploy "
            "finished, or pass a database URL."
        )
    return MigrationTarget(
        region,
        stack_name,
        outputs["BucketName"],
        url,
        outputs.get("AdminEmail", ""),
        endpoint_url,
        app_url=outputs.get("AppUrl", ""),
        admin_password_secret_arn=outputs.get("AdminPasswordSecretArn", ""),
    )
