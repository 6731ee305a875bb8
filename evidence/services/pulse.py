"""The pulse: set before a stage opens, sent when it closes, answered anonymously,
closed and sealed after a fortnight (or earlier by a facilitator)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from coproduce.sealing import rows_seal
from coproduce.text import one_line
from decisions.models import SMALLEST_GROUP_FLOOR
from evidence import figures, permissions
from evidence.models import (
    DEFAULT_STATEMENTS,
    MAX_STATEMENTS,
    STATEMENT_MAX,
    Pulse,
    PulseAnswer,
    PulseTaken,
    Rung,
)
from evidence.services.reflection import _anonymous_answers_seal
from participants.models import User
from participants.notifications.models import Kind as NotificationKind
from participants.notifications.services import notify
from projects.models import Membership, Project, Role, Stage


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def pulse_statements_update(
    *, actor: User, stage: Stage, statements: Sequence[str], ask_ladder: bool
) -> Pulse:
    """Set the statements members score 1 to 5, before the stage opens."""
    _deny(permissions.can_change_pulse(actor, stage))
    cleaned = [one_line(text.replace("\x00", "")).strip() for text in statements]
    cleaned = [text for text in cleaned if text]
    if not cleaned:
        raise RuleError("Keep at least one statement for members to score.", field="statements")
    if len(cleaned) > MAX_STATEMENTS:
        raise RuleError(
            f"Use at most {MAX_STATEMENTS} statements: the pulse stays short.", field="statements"
        )
    if any(len(text) > STATEMENT_MAX for text in cleaned):
        raise RuleError(
            f"Keep each statement to {STATEMENT_MAX} characters or fewer.", field="statements"
        )
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        if locked.state != Stage.State.DRAFT:
            raise RuleError("This stage has opened, so its pulse statements are fixed.")
        pulse, _created = Pulse.objects.update_or_create(
            stage=locked, defaults={"statements": cleaned, "ask_ladder": ask_ladder}
        )
        record(
            action="pulse.statements_changed",
            actor=actor,
            project_id=locked.project_id,
            details={"stage_id": str(locked.pk), "statements": len(cleaned)},
        )
    pulse.stage = locked
    return pulse


def pulse_open(*, actor: User | None, stage_id: uuid.UUID | str) -> Pulse | None:
    """Send a closed stage's pulse to every member (the system does it when the stage
    closes). Running it twice does no harm: the second run finds it sent."""
    if actor is not None:
        raise RightsError("The pulse is sent by the portal when a stage closes.")
    with transaction.atomic():
        stage = Stage.objects.select_for_update().select_related("project").get(pk=stage_id)
        if stage.state != Stage.State.CLOSED or stage.project.status != Project.Status.ACTIVE:
            return None
        pulse, _created = Pulse.objects.select_for_update().get_or_create(
            stage=stage, defaults={"statements": list(DEFAULT_STATEMENTS)}
        )
        if pulse.opened_at is not None:
            pulse.stage = stage
            return pulse
        now = timezone.now()
        pulse.opened_at, pulse.closes_at = now, now + timedelta(days=Pulse.OPEN_FOR_DAYS)
        pulse.save(update_fields=["opened_at", "closes_at"])
        record(
            action="pulse.opened",
            actor=None,
            project_id=stage.project_id,
            details={"stage_id": str(stage.pk)},
        )
        members = [
            membership.user
            for membership in Membership.objects.filter(
                project_id=stage.project_id, role=Role.MEMBER, left_at__isnull=True
            ).select_related("user")
        ]
        notify(
            recipients=members,
            kind=NotificationKind.PULSE_OPENED,
            key=f"pulse_opened:{stage.pk}",
            subject=gettext("How did the stage go? Five quick questions"),
            body=gettext(
                'The stage "%(stage)s" of "%(project)s" has closed. Tell the group how it '
                "went: a few statements to score from 1 to 5. Your answer is anonymous: "
                "nobody, facilitators included, can see what you answered. Answering is "
                "up to you."
            )
            % {"stage": stage.title, "project": stage.project.title},
            link=reverse(
                "evidence:pulse", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
            ),
            deadline=pulse.closes_at,
        )
    pulse.stage = stage
    return pulse


def _scores_clean(scores: Sequence[int | None], statements: int) -> list[int | None]:
    if len(scores) != statements:
        raise RuleError("Score each statement from 1 to 5, or leave it out.")
    for score in scores:
        if score is not None and not 1 <= score <= 5:
            raise RuleError("Score each statement from 1 to 5, or leave it out.")
    return list(scores)


def pulse_answer(
    *, actor: User, pulse: Pulse, scores: Sequence[int | None], rung: str = ""
) -> None:
    """Keep a member's anonymous answer: the answer names nobody; a separate row says
    that they answered, so nobody answers twice. Answers cannot be changed."""
    _deny(permissions.can_answer_pulse(actor, pulse))
    cleaned = _scores_clean(scores, len(pulse.statements))
    if rung and (rung not in Rung.values or not pulse.ask_ladder):
        raise RuleError("Choose one of the steps of the ladder, or leave it out.")
    if all(score is None for score in cleaned) and not rung:
        raise RuleError("Answer at least one question, or leave the pulse: it is up to you.")
    membership = Membership.objects.filter(
        project_id=pulse.stage.project_id, user=actor, role=Role.MEMBER, left_at__isnull=True
    ).first()
    if membership is None:
        raise RightsError("Only members answer the pulse.")
    with transaction.atomic():
        locked = Pulse.objects.select_for_update().get(pk=pulse.pk)
        if locked.closed_at is not None:
            raise RuleError("This pulse has closed.")
        try:
            with transaction.atomic():
                PulseTaken.objects.create(pulse=locked, user=actor)
        except IntegrityError:
            raise RuleError(
                "You have already answered this pulse. Answers are anonymous, so they "
                "cannot be changed."
            ) from None
        PulseAnswer.objects.create(
            pulse=locked, constituency=membership.constituency, scores=cleaned, rung=rung
        )
        # That a member answered, never what.
        record(
            action="pulse.answered",
            actor=actor,
            project_id=pulse.stage.project_id,
            details={"stage": str(pulse.stage_id)},
        )


def pulse_close(*, actor: User | None, pulse: Pulse) -> Pulse:
    """Close the pulse and seal its answers: each written again, in random order, with a
    new id, in this transaction, so nothing stored ties one to the person who gave it.
    It ends reflection on the stage too, and seals its anonymous answers the same way.
    `actor` None is the schedule. Running it twice does no harm."""
    if actor is not None:
        _deny(permissions.can_close_pulse(actor, pulse))
    with transaction.atomic():
        locked = Pulse.objects.select_for_update().select_related("stage").get(pk=pulse.pk)
        if locked.closed_at is not None or locked.opened_at is None:
            return locked
        answers = PulseAnswer.objects.filter(pulse=locked)
        # A group with too few answers would name them (who answered is known, and so is
        # each person's group): it is stored as "other groups together", exactly as the
        # results pool it, so the sealed rows say no more than the page does.
        counts = dict(answers.order_by().values_list("constituency").annotate(count=Count("pk")))
        alone, _pool, _withheld = figures.grouping(counts, SMALLEST_GROUP_FLOOR)

        def pooled(kept: dict[str, Any]) -> dict[str, Any]:
            if kept["constituency"] not in alone:
                kept["constituency"] = figures.POOL
            return {**kept, "sealed": True}

        sealed = rows_seal(
            answers, keep=("pulse_id", "constituency", "scores", "rung"), rewrite=pooled
        )
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        record(
            action="pulse.closed",
            actor=actor,
            project_id=locked.stage.project_id,
            details={"stage_id": str(locked.stage_id), "answers": sealed},
        )
        # Closing the pulse ends reflection on the stage: its anonymous answers are
        # sealed in this transaction too (the stage's row is locked with the pulse's).
        _anonymous_answers_seal(actor=actor, stage=locked.stage)
    return locked


def pulses_open_missing(*, now: datetime | None = None) -> int:
    """Send the pulse of every stage that closed in the last fortnight but whose pulse was
    never sent (the hook run after the close failed, or the project was paused then),
    as the system; return how many were sent. Safe to run often: `pulse_open` sends
    each once. A stage that closed longer ago is left: its pulse would come too late."""
    now = now or timezone.now()
    waiting = list(
        Stage.objects.filter(state=Stage.State.CLOSED, project__status=Project.Status.ACTIVE)
        .exclude(pulse__opened_at__isnull=False)
        .values_list("pk", "project_id")
    )
    if not waiting:
        return 0
    # When a stage closed is in the trail (stages keep no date of closing): its
    # `stage.closed` entries of the last fortnight, read by project and action.
    closed_lately = set(
        AuditEvent.objects.filter(
            project_id__in={project_id for _stage, project_id in waiting},
            action="stage.closed",
            object_type="stage",
            object_id__in=[str(stage_id) for stage_id, _project in waiting],
            created_at__gte=now - timedelta(days=Pulse.OPEN_FOR_DAYS),
            created_at__lte=now,
        ).values_list("object_id", flat=True)
    )
    sent = 0
    for stage_id, _project in waiting:
        if str(stage_id) in closed_lately and pulse_open(actor=None, stage_id=stage_id):
            sent += 1
    return sent


def pulses_close_due(*, now: datetime | None = None) -> int:
    """Close every pulse whose fortnight is over, as the system. Safe to run often."""
    now = now or timezone.now()
    due = Pulse.objects.filter(closed_at__isnull=True, closes_at__lte=now)
    closed = 0
    for pulse in due:
        pulse_close(actor=None, pulse=pulse)
        closed += 1
    return closed
