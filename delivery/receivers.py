"""Delivery's answers to what decisions announces: each hands over to a service."""

from __future__ import annotations

from typing import Any

from decisions.models import DecisionRecord
from delivery.services import recommendations_from_decision


def recommendations_on_decision(sender: Any, *, record: DecisionRecord, **kwargs: Any) -> None:
    """A vote closed: its adopted options become recommendations (idempotent)."""
    recommendations_from_decision(record=record)
