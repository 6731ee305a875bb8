"""Shared by the project services: refusing an actor without the right, and what changed."""

from __future__ import annotations

from typing import Any

from coproduce.errors import RightsError


def _deny_unless(allowed: bool) -> None:
    """Raise RightsError unless the acting person holds the right."""
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def _changes(instance: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value would change, as {name: [before, after]}."""
    changed = {}
    for name, value in values.items():
        before = getattr(instance, name)
        if before != value:
            changed[name] = [before, value]
    return changed
