from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self) -> None:
        from projects.models import Stage

        post_save.connect(_stage_gets_its_voting_rules, sender=Stage, dispatch_uid="voting_rules")


def _stage_gets_its_voting_rules(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A new stage gets its voting rules (the defaults) in the transaction that makes it,
    so that reading a stage's page never has to write them (a refused request changes
    nothing: issue 11's fuzz test)."""
    if created and not kwargs.get("raw"):
        from decisions.rules import voting_rules_for

        voting_rules_for(instance)
