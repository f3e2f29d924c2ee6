"""REHEARSAL STAND-INS: what every stand-in CloudFormation model shares (moto's model protocol).

moto asks each model for its type, name property, GetAtt values and physical id, and calls it to create,
update and delete; the stand-ins differ only in what they create, so that protocol lives here once.
Concrete stand-ins list CloudFormationModel as a direct base as well: moto finds models by
`CloudFormationModel.__subclasses__()`. moto derives a service name from a model's module path, so the
stand-ins live inside a package.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Self

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.moto_api._internal import mock_random

Properties = dict[str, Any]  # a resource's Properties in the template

# The services and recorded resources that currently exist, by physical id (tests read what a stack made).
live_resources: dict[str, Any] = {}


def arn(region: str, account_id: str, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account_id}:{resource}"


def short_id() -> str:
    return mock_random.get_random_hex(32)


def validation_error(message: str) -> Exception:
    """The error moto's CloudFormation reports as a failed resource."""
    from moto.cloudformation.exceptions import ValidationError

    return ValidationError(message=message)


# Every stand-in model by the type it stands in for; a concrete stand-in (one that sets CFN_TYPE) is
# entered when its class is defined, so importing the stand-in modules is what registers them.
registered: dict[str, type[Standin]] = {}


class Standin:
    """A stand-in resource: its physical id and GetAtt values, created from the template's Properties.

    Subclasses set CFN_TYPE, NAME_TYPE (the property that names the resource, if any), ATTRIBUTES (the
    GetAtt names), REQUIRED (properties CloudFormation requires) and implement `create`; `update` keeps
    the resource unless overridden, `delete` does nothing unless overridden.
    """

    CFN_TYPE = ""
    NAME_TYPE = ""
    ATTRIBUTES: Collection[str] = ()
    REQUIRED: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.CFN_TYPE:
            registered[cls.CFN_TYPE] = cls

    def __init__(self, physical_id: str, attributes: dict[str, str] | None = None) -> None:
        self.physical_id = physical_id
        self.attributes = attributes or {}

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_TYPE

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def require(cls, properties: dict[str, Any]) -> None:
        """Refuse a resource without its required properties, as CloudFormation does."""
        missing = [key for key in cls.REQUIRED if key not in properties]
        if missing:
            raise validation_error(
                f"{cls.cloudformation_type()}: missing required properties {', '.join(missing)}"
            )

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Properties, account_id: str, region_name: str, **kw: Any
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        cls.require(properties)
        return cls.create(resource_name, properties, account_id, region_name)

    @classmethod
    def create(cls, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Properties,
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        return original_resource.update(new_resource_name, properties, account_id, region_name)

    def update(self, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        """Keep the resource as it is (what does not change offline)."""
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        """Nothing to remove unless a subclass made something."""

    def is_created(self) -> bool:
        return True


class Recreated(Standin):
    """A stand-in whose update applies the new properties again, as creating it did."""

    def update(self, resource_name: str, properties: Properties, account_id: str, region: str) -> Self:
        self.require(properties)
        return self.create(resource_name, properties, account_id, region)
