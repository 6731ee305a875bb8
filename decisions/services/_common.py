"""Shared by the decision services: the error a rule raises."""

from __future__ import annotations


class DecisionRuleError(Exception):
    """A rule refused the change; the message is for the person."""
