"""The voting rules in force for a stage."""

from __future__ import annotations

from decisions.models import DEFAULT_METHOD_FOR_KIND, VotingMethod, VotingRules
from projects.models import Stage


def voting_rules_for(stage: Stage) -> VotingRules:
    """The stage's voting rules, made with the defaults the first time they are needed.

    A stage's rules row is made lazily (projects do not know how they are voted on), and
    always before voting opens: opening voting reads them. Safe when two requests make
    it at once (the stage is the row's primary key). Cached on the stage instance.
    """
    try:
        return stage.voting_rules
    except VotingRules.DoesNotExist:
        pass
    rules, _created = VotingRules.objects.get_or_create(
        stage=stage,
        defaults={"voting_method": DEFAULT_METHOD_FOR_KIND.get(stage.kind, VotingMethod.DOTS)},
    )
    stage.voting_rules = rules
    return rules
