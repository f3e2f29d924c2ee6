"""What a change set would do, one row per resource, with replacements flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# CloudFormation says "nothing to do" in one of these ways; that is success, not an error.
EMPTY_CHANGE_SET_REASONS = (
    "The submitted information didn't contain changes",
    "No updates are to be performed",
)


def is_empty_change_set_reason(reason: str | None) -> bool:
    return bool(reason) and any(marker in str(reason) for marker in EMPTY_CHANGE_SET_REASONS)


@dataclass(frozen=True)
class ResourceChange:
    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    physical_id: str = ""
    replacement: str = ""  # True | False | Conditional | "" (not applicable)
    scope: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, change: Any) -> ResourceChange:
        rc = change.get("ResourceChange", {})
        return cls(
            action=str(rc.get("Action", "")),
            logical_id=str(rc.get("LogicalResourceId", "")),
            resource_type=str(rc.get("ResourceType", "")),
            physical_id=str(rc.get("PhysicalResourceId") or ""),
            replacement=str(rc.get("Replacement") or ""),
            scope=tuple(rc.get("Scope") or ()),
        )

    @property
    def kind(self) -> str:
        """add, modify, replace, remove (or the raw action for imports and dynamic changes)."""
        if self.action == "Add":
            return "add"
        if self.action == "Remove":
            return "remove"
        if self.action == "Modify":
            return "replace" if self.replacement == "True" else "modify"
        return self.action.lower()

    @property
    def may_replace(self) -> bool:
        """A replacement destroys the old resource (and, for a database without a snapshot, its data)."""
        return self.action == "Modify" and self.replacement in {"True", "Conditional"}

    @property
    def warning(self) -> str:
        if self.replacement == "True" and self.action == "Modify":
            return "WILL BE REPLACED"
        if self.replacement == "Conditional" and self.action == "Modify":
            return "MAY BE REPLACED"
        if self.action == "Remove":
            return "will be deleted"
        return ""


@dataclass
class ChangeSetPlan:
    """A created change set, ready to be shown and executed (or deleted)."""

    stack_name: str
    change_set_id: str
    change_set_type: str  # CREATE | UPDATE
    stack_id: str = ""
    changes: list[ResourceChange] = field(default_factory=list)

    @property
    def replacements(self) -> list[ResourceChange]:
        return [change for change in self.changes if change.may_replace]
