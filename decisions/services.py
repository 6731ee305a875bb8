"""Every write about proposals, comments, ballots and decisions: one transaction each, audited."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from coproduce.audit.record import record
from decisions import counting, permissions
from decisions import notify as decisions_notify
from decisions.models import (
    Ballot,
    Comment,
    DecisionNote,
    DecisionRecord,
    Participation,
    Proposal,
)
from decisions.results import count_stage, dots_rules
from participants.models import User
from projects import permissions as project_permissions
from projects import services as project_services
from projects.models import Membership, Stage

logger = logging.getLogger(__name__)


class DecisionRuleError(Exception):
    """A rule refused the change; the message is for the person."""


def _deny(allowed: bool) -> None:
    if not allowed:
        raise PermissionError("You cannot do this here.")


def _locked_proposal(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("stage__project")
        .get(pk=proposal.pk)
    )


# --- Proposals ---------------------------------------------------------------------


def proposal_create(*, actor: User, stage: Stage, title: str, body: str) -> Proposal:
    _deny(permissions.can_propose(actor, stage))
    with transaction.atomic():
        locked_stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked_stage.state != Stage.State.OPEN:
            raise DecisionRuleError("This stage is not taking proposals now.")
        proposal = Proposal.objects.create(stage=stage, author=actor, title=title, body=body)
        record(
            action="proposal.created",
            actor=actor,
            project_id=stage.project_id,
            target=proposal,
            details={"stage": str(stage.pk)},
        )
    return proposal


def proposal_update(*, actor: User, proposal: Proposal, title: str, body: str) -> Proposal:
    _deny(permissions.can_change_proposal(actor, proposal))
    with transaction.atomic():
        locked = _locked_proposal(proposal)
        if not permissions.can_change_proposal(actor, locked):
            raise DecisionRuleError("Voting has opened, so this proposal can no longer change.")
        locked.title, locked.body, locked.edited_at = title, body, timezone.now()
        locked.save(update_fields=["title", "body", "edited_at"])
        record(
            action="proposal.edited",
            actor=actor,
            project_id=locked.stage.project_id,
            target=locked,
        )
    return locked


def proposal_withdraw(*, actor: User, proposal: Proposal) -> Proposal:
    _deny(permissions.can_change_proposal(actor, proposal))
    with transaction.atomic():
        locked = _locked_proposal(proposal)
        if not permissions.can_change_proposal(actor, locked):
            raise DecisionRuleError("Voting has opened, so this proposal can no longer change.")
        locked.status = Proposal.Status.WITHDRAWN
        locked.save(update_fields=["status"])
        record(
            action="proposal.withdrawn",
            actor=actor,
            project_id=locked.stage.project_id,
            target=locked,
        )
    return locked


def proposal_hide(*, actor: User, proposal: Proposal, reason: str) -> Proposal:
    """Hide a proposal with a reason its author sees. It stays in the record."""
    _deny(permissions.can_moderate(actor, proposal.stage))
    if not reason.strip():
        raise DecisionRuleError("Give a reason. The author will see it.")
    with transaction.atomic():
        locked = _locked_proposal(proposal)
        if not permissions.can_hide_proposal(actor, locked):
            raise DecisionRuleError(
                "Only an active proposal can be hidden, and only before voting opens."
            )
        locked.status, locked.moderation_reason = Proposal.Status.HIDDEN, reason.strip()
        locked.save(update_fields=["status", "moderation_reason"])
        # The reason is free text written by a facilitator: the trail keeps only that one was given.
        record(
            action="proposal.hidden",
            actor=actor,
            project_id=locked.stage.project_id,
            target=locked,
        )
        decisions_notify.proposal_hidden_notify(proposal=locked)
    return locked


def proposal_merge(
    *, actor: User, stage: Stage, proposals: list[Proposal], title: str, body: str, note: str
) -> Proposal:
    """Combine duplicates into one new proposal. The originals stay readable, linked to it."""
    _deny(permissions.can_merge(actor, stage))
    if len(proposals) < 2:
        raise DecisionRuleError("Choose at least two proposals to combine.")
    with transaction.atomic():
        locked_stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked_stage.voting_rules_locked:
            raise DecisionRuleError("Voting has opened, so proposals can no longer be combined.")
        originals = list(
            Proposal.objects.select_for_update()
            .filter(pk__in=[proposal.pk for proposal in proposals], stage=stage)
            .order_by("created_at", "id")
        )
        if len(originals) != len(proposals) or any(
            original.status != Proposal.Status.ACTIVE for original in originals
        ):
            raise DecisionRuleError("Only active proposals of this stage can be combined.")
        merged = Proposal.objects.create(stage=stage, author=None, title=title, body=body)
        Proposal.objects.filter(pk__in=[original.pk for original in originals]).update(
            status=Proposal.Status.MERGED, merged_into=merged, merge_note=note.strip()
        )
        record(
            action="proposal.merged",
            actor=actor,
            project_id=stage.project_id,
            target=merged,
            details={"originals": [str(original.pk) for original in originals]},
        )
        decisions_notify.proposals_merged_notify(originals=originals, merged=merged, note=note)
    return merged


def proposals_carry_forward(
    *, actor: User, from_stage: Stage, to_stage: Stage, proposals: list[Proposal]
) -> list[Proposal]:
    """Start a later stage from a closed stage's proposals, keeping the link back."""
    _deny(permissions.can_carry_forward(actor, from_stage))
    if to_stage.project_id != from_stage.project_id or to_stage.position <= from_stage.position:
        raise DecisionRuleError("Proposals can only be carried into a later stage.")
    if not proposals:
        raise DecisionRuleError("Choose at least one proposal to carry forward.")
    with transaction.atomic():
        target = Stage.objects.select_for_update().get(pk=to_stage.pk)
        if not permissions.can_receive_carried_proposals(target):
            raise DecisionRuleError("That stage has started voting, so nothing can be added.")
        sources = list(
            Proposal.objects.filter(
                pk__in=[proposal.pk for proposal in proposals],
                stage=from_stage,
                status=Proposal.Status.ACTIVE,
            ).order_by("created_at", "id")
        )
        already = set(
            Proposal.objects.filter(stage=target, carried_from__in=sources).values_list(
                "carried_from_id", flat=True
            )
        )
        carried = [
            Proposal.objects.create(
                stage=target,
                author=source.author,
                title=source.title,
                body=source.body,
                carried_from=source,
            )
            for source in sources
            if source.pk not in already
        ]
        record(
            action="proposals.carried_forward",
            actor=actor,
            project_id=from_stage.project_id,
            target=target,
            details={
                "from_stage": str(from_stage.pk),
                "proposals": [str(proposal.carried_from_id) for proposal in carried],
            },
        )
    return carried


# --- Comments ----------------------------------------------------------------------


def comment_create(
    *, actor: User, proposal: Proposal, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on a proposal, or reply to a comment (one level of replies)."""
    _deny(permissions.can_comment(actor, proposal))
    replied_to = parent  # the comment they answered, before joining its thread
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise DecisionRuleError("You can only reply to a comment on this proposal.")
        parent = parent.parent or parent  # replies to a reply join the same thread
    with transaction.atomic():
        comment = Comment.objects.create(proposal=proposal, parent=parent, author=actor, body=body)
        record(
            action="comment.created",
            actor=actor,
            project_id=proposal.stage.project_id,
            target=comment,
            details={"proposal": str(proposal.pk), "reply": parent is not None},
        )
        decisions_notify.reply_notify(comment=comment, replied_to=replied_to)
    return comment


def comment_update(*, actor: User, comment: Comment, body: str) -> Comment:
    _deny(permissions.can_change_comment(actor, comment))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.body, locked.edited_at = body, timezone.now()
        locked.save(update_fields=["body", "edited_at"])
        record(
            action="comment.edited",
            actor=actor,
            project_id=comment.proposal.stage.project_id,
            target=locked,
        )
    return locked


def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Delete your own comment: its text goes, a note that it was deleted stays."""
    _deny(permissions.can_change_comment(actor, comment))
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.deleted_at = timezone.now()
        locked.body = ""
        locked.save(update_fields=["deleted_at", "body"])
        record(
            action="comment.deleted",
            actor=actor,
            project_id=comment.proposal.stage.project_id,
            target=locked,
        )
    return locked


def comment_hide(*, actor: User, comment: Comment, reason: str) -> Comment:
    _deny(permissions.can_moderate(actor, comment.proposal.stage))
    if not reason.strip():
        raise DecisionRuleError("Give a reason. The author will see it.")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.hidden, locked.moderation_reason = True, reason.strip()
        locked.save(update_fields=["hidden", "moderation_reason"])
        record(
            action="comment.hidden",
            actor=actor,
            project_id=comment.proposal.stage.project_id,
            target=locked,
        )
    return locked


# --- Ballots -------------------------------------------------------------------------


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
    method = stage.voting_method
    if method == Stage.VotingMethod.DOTS:
        placed = counting.validate_dots_ballot(
            raw, rules=dots_rules(stage, len(ids)), options=ids, labels=labels
        )
        return {"dots": placed}
    if method == Stage.VotingMethod.RANKING:
        ranking = counting.validate_ranking_ballot(
            raw,
            rules=counting.RankingRules(min(stage.max_ranks, len(ids)) or 1),
            options=ids,
            labels=labels,
        )
        return {"ranking": list(ranking)}
    if method == Stage.VotingMethod.SCORING:
        return {"scores": counting.validate_scoring_ballot(raw, options=ids, labels=labels)}
    if method == Stage.VotingMethod.CONSENT:
        answers = {}
        for option_id in ids:
            given = raw.get(option_id) or {}
            answer, reason = counting.validate_consent_ballot(
                given.get("answer", ""), given.get("reason", "")
            )
            answers[option_id] = {"answer": str(answer), "reason": reason}
        return {"answers": answers}
    raise DecisionRuleError("This stage has no vote.")


def ballot_cast(*, actor: User, stage: Stage, raw: dict[str, Any]) -> Ballot:
    """Record or replace a member's ballot. One per member per stage, whatever the retries.

    The unique constraints make a second ballot impossible; the stage's row lock
    orders concurrent ballots and keeps any out once voting has closed.
    """
    if not project_permissions.can_vote(actor, stage):
        raise PermissionError("You cannot vote here.")
    options = stage_options(stage)
    content = validate_ballot(stage, raw, options)
    with transaction.atomic():
        locked = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked.state != Stage.State.VOTING:
            raise DecisionRuleError("Voting has closed, so your vote could not be recorded.")
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
                "voter": actor if locked.open_ballot else None,
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


# --- Closing a vote and the decision record ----------------------------------------


def electorate_at_opening(stage: Stage) -> dict[str, int]:
    """Members per constituency at the moment voting opened."""
    opened = stage.voting_opened_at or timezone.now()
    rows = (
        Membership.objects.filter(project_id=stage.project_id, role="member", joined_at__lte=opened)
        .exclude(left_at__lte=opened)
        .values_list("constituency", flat=True)
    )
    electorate: dict[str, int] = {}
    for constituency in rows:
        electorate[constituency] = electorate.get(constituency, 0) + 1
    return electorate


def _quorum_met(stage: Stage, electorate: dict[str, int], turnout: dict[str, int]) -> bool | None:
    if stage.quorum_percent is None and stage.quorum_per_constituency_percent is None:
        return None
    met = True
    total = sum(electorate.values())
    if stage.quorum_percent is not None and total:
        met &= sum(turnout.values()) * 100 >= stage.quorum_percent * total
    if stage.quorum_per_constituency_percent is not None:
        for constituency, members in electorate.items():
            voted = turnout.get(constituency, 0)
            met &= voted * 100 >= stage.quorum_per_constituency_percent * members
    return met


def _record_decision(stage: Stage) -> DecisionRecord:
    options = stage_options(stage)
    ballots = list(Ballot.objects.filter(stage=stage).order_by("voter_key"))
    counted = count_stage(stage, ballots, options)
    electorate = electorate_at_opening(stage)
    turnout: dict[str, int] = {}
    for ballot in ballots:
        turnout[ballot.constituency] = turnout.get(ballot.constituency, 0) + 1
    return DecisionRecord.objects.create(
        stage=stage,
        voting_method=stage.voting_method,
        counting=stage.counting,
        rules={name: getattr(stage, name) for name in sorted(project_services.STAGE_VOTING_FIELDS)},
        options=[{"id": str(option.pk), "title": option.title} for option in options],
        electorate=electorate,
        turnout=turnout,
        result=counted["result"],
        table={
            "figure_name": counted["figure_name"],
            "rows": counted["rows"],
            "parts": counted["parts"],
            "block_reasons": counted.get("block_reasons", {}),
        },
        outcome=counted["outcome"],
        quorum_met=_quorum_met(stage, electorate, turnout),
        tie_breaks=counted["tie_breaks"],
        voting_opened_at=stage.voting_opened_at,
    )


def voting_close(*, actor: User | None, stage: Stage) -> DecisionRecord:
    """Close voting and write the decision record, exactly once.

    Two workers, a retried task and a facilitator pressing "close" at the same time
    all meet the stage's row lock: the first closes and records, the rest find the
    record and return it. `actor` None is the scheduler.
    """
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        existing = DecisionRecord.objects.filter(stage=locked).first()
        if existing is not None:
            return existing
        created: list[DecisionRecord] = []
        project_services.stage_transition(
            actor=actor,
            stage=locked,
            to_state=Stage.State.CLOSED,
            on_voting_closed=lambda closing: created.append(_record_decision(closing)),
        )
        record_ = created[0]
        record(
            action="decision.recorded",
            actor=actor,
            project_id=locked.project_id,
            target=record_,
            details={"stage": str(locked.pk), "tie_break": record_.decided_by_tie_break},
        )
        decisions_notify.results_published_notify(decision=record_)
    return record_


def decision_note_write(
    *, actor: User, record_: DecisionRecord, rationale: str, dissent: str, next_steps: str
) -> DecisionNote:
    """Add the facilitators' rationale, dissent and next steps; earlier versions are kept."""
    if not project_permissions.can_configure_project(actor, record_.stage.project):
        raise PermissionError("Only facilitators write the decision's rationale.")
    with transaction.atomic():
        note = DecisionNote.objects.create(
            record=record_,
            rationale=rationale,
            dissent=dissent,
            next_steps=next_steps,
            written_by=actor,
        )
        record(
            action="decision.note_written",
            actor=actor,
            project_id=record_.stage.project_id,
            target=record_,
        )
        decisions_notify.decision_recorded_notify(decision=record_)
    return note


# --- Keeping the schedule -------------------------------------------------------------


def stages_advance(*, now: datetime | None = None) -> list[tuple[str, str]]:
    """Move every stage whose time has come, as "the system". Safe to run often and twice.

    Each move runs in its own transaction through the same services a facilitator
    uses, so a stage moved by hand a moment earlier is simply found moved.
    """
    now = now or timezone.now()
    due = (
        Stage.objects.filter(project__status="active")
        .filter(
            Q(state=Stage.State.DRAFT, opens_at__lte=now)
            | Q(state=Stage.State.OPEN, voting_opens_at__lte=now)
            | Q(state=Stage.State.OPEN, voting_method=Stage.VotingMethod.NONE, closes_at__lte=now)
            | Q(state=Stage.State.VOTING, closes_at__lte=now)
        )
        .select_related("project")
        .order_by("project_id", "position")
    )
    moved = []
    for stage in due:
        # A stage whose dates have all passed catches up in one run, step by step.
        target = _scheduled_target(stage, now)
        while target is not None:
            try:
                if target == Stage.State.CLOSED and stage.state == Stage.State.VOTING:
                    voting_close(actor=None, stage=stage)
                else:
                    project_services.stage_transition(actor=None, stage=stage, to_state=target)
            except project_services.ProjectRuleError as error:
                logger.warning("Stage %s could not move to %s: %s", stage.pk, target, error)
                break
            moved.append((str(stage.pk), target))
            stage = Stage.objects.select_related("project").get(pk=stage.pk)
            target = _scheduled_target(stage, now)
    return moved


def _scheduled_target(stage: Stage, now: datetime) -> str | None:
    if stage.state == Stage.State.DRAFT and stage.opens_at and stage.opens_at <= now:
        return Stage.State.OPEN
    if stage.state == Stage.State.OPEN:
        has_vote = stage.voting_method != Stage.VotingMethod.NONE
        if has_vote and stage.voting_opens_at and stage.voting_opens_at <= now:
            return Stage.State.VOTING
        if not has_vote and stage.closes_at and stage.closes_at <= now:
            return Stage.State.CLOSED
        return None
    if stage.state == Stage.State.VOTING and stage.closes_at and stage.closes_at <= now:
        return Stage.State.CLOSED
    return None
