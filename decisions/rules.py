"""The voting rules in force for a stage."""

from __future__ import annotations

from decisions.models import DEFAULT_METHOD_FOR_KIND, VotingMethod, VotingRules
from projects.models import Stage


def voting_rules_for(stage: Stage) -> VotingRules:
    """The stage's voting rules: its saved row, or the defaults for its kind.

    Projects do not know how they are voted on, so a stage has no rules row until a
    facilitator sets its rules (`voting_rules_update` saves it). Reading never writes:
    a stage without a row reads the defaults, unsaved. Cached on the stage instance.
    """
    try:
        return stage.voting_rules
    except VotingRules.DoesNotExist:
        pass
    rules = VotingRules(
        stage=stage,
        voting_method=DEFAULT_METHOD_FOR_KIND.get(stage.kind, VotingMethod.DOTS),
    )
    stage.voting_rules = rules
    return rules
