"""The voting rules in force for a stage, and the small-group rule every page that shows
a vote's figures follows (decisions' own pages, delivery's "You said, we did")."""

from __future__ import annotations

from decisions.models import (
    DEFAULT_METHOD_FOR_KIND,
    SMALLEST_GROUP_FLOOR,
    VotingMethod,
    VotingRules,
)
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


def smallest_group_shown(stage: Stage) -> int:
    """The fewest voters whose figures a page may show on their own: the stage's rule,
    never below SMALLEST_GROUP_FLOOR."""
    return max(voting_rules_for(stage).smallest_group_shown, SMALLEST_GROUP_FLOOR)


def too_few_to_show(stage: Stage, voters: int) -> bool:
    """Whether so few voted (but someone did) that the vote's figures could show how they
    voted: fewer than the smallest group shown."""
    return 0 < voters < smallest_group_shown(stage)
