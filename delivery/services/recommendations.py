"""Recommendations from a closed vote, the date a response is due, the organisation's
responses (each version a new row) and members' comments on recommendations."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.audit.record import record as audit_record  # where `record` is an argument
from coproduce.errors import RuleError
from decisions.models import DecisionRecord, Proposal, VotingMethod
from delivery import notify as delivery_notify
from delivery import permissions
from delivery.models import (
    DEFAULT_RESPONSE_DAYS,
    Answer,
    DeliveryComment,
    Recommendation,
    Response,
)
from delivery.rules import adopted_options, deny, not_in_the_past
from participants.models import User
from projects.models import Stage


def recommendations_from_decision(*, record: DecisionRecord) -> list[Recommendation]:
    """Make the decision's adopted options the project's recommendations, exactly once.

    Run by the system when a decision is recorded (and again by the daily sweep): the
    stage's row lock makes a second or concurrent run find the recommendations and
    return them. The response is due DEFAULT_RESPONSE_DAYS after the decision.
    """
    with transaction.atomic():
        stage = Stage.objects.select_for_update().get(pk=record.stage_id)
        existing = list(Recommendation.objects.filter(record=record).order_by("position"))
        if existing:
            return existing
        adopted = adopted_options(record)
        if not adopted:
            return []
        proposals = {
            str(proposal.pk): proposal
            for proposal in Proposal.objects.filter(pk__in=[row["option"] for row in adopted])
        }
        due_on = timezone.localdate(record.created_at) + timedelta(days=DEFAULT_RESPONSE_DAYS)
        made = Recommendation.objects.bulk_create(
            [
                Recommendation(
                    project_id=stage.project_id,
                    record=record,
                    proposal=proposals[row["option"]],
                    title=row["title"],
                    position=position,
                    response_due_on=due_on,
                )
                for position, row in enumerate(adopted, start=1)
                if row["option"] in proposals
            ]
        )
        audit_record(
            action="delivery.recommendations_created",
            actor=None,
            project_id=stage.project_id,
            target=record,
            details={"stage": str(stage.pk), "count": len(made)},
        )
        delivery_notify.response_requested_notify(stage=stage, recommendations=made)
    return made


SWEEP_DAYS = 7


def recommendations_sweep() -> int:
    """Make the recommendations of any recent decision that has none yet (a receiver that
    failed); return how many decisions gained some. Idempotent. Reviews (verdicts) and
    votes nobody voted in never make any, so only the last week is looked at: the work does
    not grow with every decision ever made."""
    made = 0
    waiting = (
        DecisionRecord.objects.filter(
            recommendations__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=SWEEP_DAYS),
        )
        .exclude(voting_method=VotingMethod.VERDICT)
        .values_list("pk", flat=True)
    )
    for record_id in list(waiting):
        if recommendations_from_decision(record=DecisionRecord.objects.get(pk=record_id)):
            made += 1
    return made


def _locked(recommendation: Recommendation) -> Recommendation:
    return (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=recommendation.pk)
    )


def response_due_set(
    *, actor: User, recommendation: Recommendation, due_on: date
) -> Recommendation:
    """A facilitator sets the date the organisation's response is due."""
    deny(permissions.can_set_response_due(actor, recommendation.project))
    not_in_the_past(due_on, field="response_due_on")
    with transaction.atomic():
        locked = _locked(recommendation)
        before = locked.response_due_on
        if before == due_on:
            return locked
        locked.response_due_on = due_on
        locked.save(update_fields=["response_due_on"])
        record(
            action="delivery.response_due_set",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"due_on": [before.isoformat(), due_on.isoformat()]},
        )
    return locked


def response_write(
    *,
    actor: User,
    recommendation: Recommendation,
    answer: str,
    reasons: str,
    next_steps: str,
) -> Response:
    """A sponsor responds to a recommendation, or revises their response: a new version,
    the earlier ones kept. Reasons are needed unless the answer is "accepted"."""
    deny(permissions.can_respond(actor, recommendation.project))
    answer = Answer(answer)
    reasons, next_steps = reasons.strip(), next_steps.strip()
    if answer != Answer.ACCEPTED and not reasons:
        raise RuleError(
            "Give the reasons for your response, so the group knows why. Reasons are "
            "needed for every answer except accepted.",
            field="reasons",
        )
    if not next_steps:
        raise RuleError("Say what will happen next.", field="next_steps")
    with transaction.atomic():
        locked = _locked(recommendation)
        latest = locked.responses.aggregate(latest=Max("version"))["latest"] or 0
        previous = locked.responses.filter(version=latest).values_list("answer", flat=True).first()
        response = Response.objects.create(
            recommendation=locked,
            version=latest + 1,
            answer=answer,
            reasons=reasons,
            next_steps=next_steps,
            written_by=actor,
        )
        record(
            action="delivery.response_written",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={
                "version": response.version,
                "answer": str(answer),
                "previous_answer": previous or "",
            },
        )
        delivery_notify.response_published_notify(response=response, recommendation=locked)
    return response


def recommendation_comment_create(
    *, actor: User, recommendation: Recommendation, body: str
) -> DeliveryComment:
    """A member comments on a declined or partly accepted recommendation."""
    current = recommendation.responses.order_by("-version").first()
    deny(permissions.can_comment_on_recommendation(actor, recommendation.project, current))
    if not body.strip():
        raise RuleError("Write your comment.", field="body")
    with transaction.atomic():
        comment = DeliveryComment.objects.create(
            recommendation=recommendation, author=actor, body=body.strip()
        )
        record(
            action="delivery.comment_created",
            actor=actor,
            project_id=recommendation.project_id,
            target=comment,
            details={"recommendation": str(recommendation.pk)},
        )
    return comment
