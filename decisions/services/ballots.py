"""Ballots: the options of a vote, checking and casting a ballot (with the member's
participation), and finding a member's own ballot again by its keyed hash."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from decisions import counting, permissions
from decisions import notify as decisions_notify
from decisions.models import Ballot, Participation, Proposal, VotingMethod
from decisions.results import dots_rules
from decisions.rules import voting_rules_for
from participants.models import User
from projects.models import Membership, Stage


def voter_key(user: User, stage: Stage) -> str:
    """The keyed hash that finds a member's ballot again without naming them."""
    return salted_hmac(
        "coproduce.decisions.ballot",
        f"{user.pk}:{stage.pk}",
        secret=settings.BALLOT_SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def stage_options(stage: Stage) -> list[Proposal]:
    """The options of a vote in their published order (the order they were proposed)."""
    return list(
        Proposal.objects.filter(stage=stage, status=Proposal.Status.ACTIVE).order_by(
            "created_at", "id"
        )
    )


def validate_ballot(stage: Stage, raw: dict[str, Any], options: list[Proposal]) -> dict[str, Any]:
    """Check a ballot against the stage's method; return the content to store.

    Raises counting.BallotError with a message for the member.
    """
    ids = [str(option.pk) for option in options]
    labels = {str(option.pk): option.title for option in options}
    method = voting_rules_for(stage).voting_method
    if method == VotingMethod.DOTS:
        placed = counting.validate_dots_ballot(
            raw, rules=dots_rules(stage, len(ids)), options=ids, labels=labels
        )
        return {"dots": placed}
    if method == VotingMethod.RANKING:
        ranking = counting.validate_ranking_ballot(
            raw,
            rules=counting.RankingRules(min(voting_rules_for(stage).max_ranks, len(ids)) or 1),
            options=ids,
            labels=labels,
        )
        return {"ranking": list(ranking)}
    if method == VotingMethod.SCORING:
        return {"scores": counting.validate_scoring_ballot(raw, options=ids, labels=labels)}
    if method == VotingMethod.CONSENT:
        answers = {}
        for option_id in ids:
            given = raw.get(option_id) or {}
            answer, reason = counting.validate_consent_ballot(
                given.get("answer", ""), given.get("reason", "")
            )
            answers[option_id] = {"answer": str(answer), "reason": reason}
        return {"answers": answers}
    raise RuleError("This stage has no vote.")


def ballot_cast(*, actor: User, stage: Stage, raw: dict[str, Any]) -> Ballot:
    """Record or replace a member's ballot. One per member per stage, whatever the retries.

    The unique constraints make a second ballot impossible; the stage's row lock
    orders concurrent ballots and keeps any out once voting has closed.
    """
    if not permissions.can_vote(actor, stage):
        raise RightsError("You cannot vote here.")
    options = stage_options(stage)
    content = validate_ballot(stage, raw, options)
    with transaction.atomic():
        locked = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked.state != Stage.State.VOTING:
            raise RuleError("Voting has closed, so your vote could not be recorded.")
        membership = Membership.objects.get(
            project_id=stage.project_id, user=actor, role="member", left_at__isnull=True
        )
        try:
            with transaction.atomic():
                Participation.objects.create(stage=stage, user=actor)
        except IntegrityError:
            pass  # they voted before: this replaces their ballot
        ballot, _created = Ballot.objects.update_or_create(
            stage=stage,
            voter_key=voter_key(actor, stage),
            defaults={
                "constituency": membership.constituency,
                "content": content,
                "voter": actor if voting_rules_for(locked).open_ballot else None,
            },
        )
        # That a member voted, never what.
        record(
            action="ballot.cast",
            actor=actor,
            project_id=stage.project_id,
            details={"stage": str(stage.pk)},
        )
        decisions_notify.voting_reminders_withdraw(user=actor, stage=locked)
    return ballot


def own_ballot(user: User, stage: Stage) -> Ballot | None:
    """The member's own ballot, found by its keyed hash."""
    return Ballot.objects.filter(stage=stage, voter_key=voter_key(user, stage)).first()
