"""The vote's rules: whether a stage has a vote, how members vote and how the votes
are counted. Fixed once voting opens."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from decisions import permissions
from decisions.models import SMALLEST_GROUP_FLOOR, VotingMethod, VotingRules
from decisions.rules import voting_rules_for
from participants.models import User
from projects import permissions as project_permissions
from projects import services as project_services
from projects.models import Stage

NO_VOTE = "none"


def voting_rules_update(*, actor: User, stage: Stage, **values: Any) -> VotingRules:
    """Change a stage's voting rules before voting opens; the trail keeps what changed.

    `voting_method="none"` means the stage has no vote (its other rules are kept for
    when a vote is chosen again); any other method gives the stage a vote.
    """
    if not project_permissions.can_configure_project(actor, stage.project):
        raise RightsError("Only the project's facilitators set the voting rules.")
    unknown = set(values) - set(VotingRules.FIELDS)
    if unknown:
        raise ValueError(f"Unknown voting rules {sorted(unknown)}.")
    smallest = values.get("smallest_group_shown")
    if smallest is not None and smallest < SMALLEST_GROUP_FLOOR:
        raise RuleError(
            f"The smallest group shown is {SMALLEST_GROUP_FLOOR} people or more: with fewer "
            "voters, a group's own result would show how each of them voted."
        )
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        rules = voting_rules_for(locked)
        has_vote = locked.has_vote
        if values.get("voting_method") == NO_VOTE:
            has_vote = False
            values.pop("voting_method")
        elif "voting_method" in values:
            has_vote = True
        changed = {
            name: [getattr(rules, name), value]
            for name, value in values.items()
            if getattr(rules, name) != value
        }
        method_before = rules.voting_method if locked.has_vote else NO_VOTE
        method_after = values.get("voting_method", rules.voting_method) if has_vote else NO_VOTE
        if method_before != method_after:
            changed["voting_method"] = [method_before, method_after]
        if not changed:
            return rules
        if method_after == VotingMethod.VERDICT and locked.kind != Stage.Kind.REVIEW:
            raise RuleError(
                _(
                    "Review verdicts are for a review stage: members say whether what was "
                    "decided was done. Choose another way to vote for this stage."
                ),
                field="voting_method",
            )
        if not permissions.can_change_voting_rules(actor, locked):
            raise RuleError(
                "Voting has opened in this stage, so its voting rules can no longer be changed."
            )
        for name, value in values.items():
            setattr(rules, name, value)
        rules.save()
        if has_vote != locked.has_vote:
            project_services.stage_update(actor=actor, stage=locked, has_vote=has_vote)
        record(
            action="stage.updated",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={name: [str(before), str(after)] for name, (before, after) in changed.items()}
            | {"texts_changed": []},
        )
    return rules
