"""Answers to a stage's questions to reflect on: named or anonymous, as each member chooses.

An anonymous answer holds no person, and its trail entry neither a person nor the
request it came in (and is only ever shown as a count for the day). While reflection
on the stage is open, PostgreSQL's bookkeeping still ties the row to its trail entry
and to whatever else that request wrote (the transaction that wrote it, its place in
the table). When reflection ends (the stage's pulse closes, or the project stops being
active) the stage's anonymous answers are sealed: written again in random order, with
new ids, their day that of the sealing, in one transaction (`coproduce.sealing`).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from coproduce.sealing import rows_seal
from coproduce.text import one_line
from evidence import permissions
from evidence.models import Pulse, ReflectionAnswer
from participants.models import User
from projects.models import Stage

ANONYMOUS_LABEL = "A member (anonymously)"
ENDED = "Reflection on this stage has ended, so no more answers can be added."


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def _hold_stage(stage: Stage) -> None:
    """Hold the stage's row, shared, until the transaction ends: sealing (which takes it
    for update) waits for answers being written, and they wait for sealing."""
    table = connection.ops.quote_name(Stage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [stage.pk])  # noqa: S608 (a table name only)


def reflection_answer_create(
    *, actor: User, stage: Stage, question_number: int, body: str, anonymous: bool
) -> ReflectionAnswer:
    """Keep a member's answer to one question. An anonymous answer names nobody, in the
    answer and in the trail alike, and is sealed when reflection on the stage ends."""
    _deny(permissions.can_reflect(actor, stage, Pulse.objects.filter(stage=stage).first()))
    questions = stage.question_list
    if not 1 <= question_number <= len(questions):
        raise RuleError("Choose one of the stage's questions.")
    text = body.replace("\x00", "").strip()
    if not text:
        raise RuleError("Write your answer, or leave it: answering is up to you.")
    if len(text) > ReflectionAnswer.BODY_MAX:
        raise RuleError(f"Keep your answer to {ReflectionAnswer.BODY_MAX} characters or fewer.")
    with transaction.atomic():
        _hold_stage(stage)
        # Checked again under the stage's row: the pulse may have closed meanwhile.
        if not permissions.reflection_is_open(stage, Pulse.objects.filter(stage=stage).first()):
            raise RuleError(ENDED)
        answer = ReflectionAnswer.objects.create(
            stage=stage,
            question=questions[question_number - 1][:500],
            body=text,
            author=None if anonymous else actor,
        )
        if anonymous:
            # No person and (the registry says so) no request id: nothing in the entry
            # leads to who wrote it.
            record(
                action="reflection.answered_anonymously",
                actor=None,
                actor_label=ANONYMOUS_LABEL,
                project_id=stage.project_id,
                details={"stage_id": str(stage.pk)},
            )
        else:
            record(
                action="reflection.answered",
                actor=actor,
                project_id=stage.project_id,
                details={"stage_id": str(stage.pk)},
            )
    return answer


def reflection_answer_hide(
    *, actor: User, answer: ReflectionAnswer, reason: str
) -> ReflectionAnswer:
    """A facilitator hides an answer, giving a reason that everyone can read in its place."""
    _deny(permissions.can_hide_reflection(actor, answer))
    reason = one_line(reason.replace("\x00", ""))[:500].strip()
    if not reason:
        raise RuleError("Give a reason. Everyone will see it in place of the answer.")
    with transaction.atomic():
        locked = ReflectionAnswer.objects.select_for_update().filter(pk=answer.pk).first()
        if locked is None:
            # Sealed since the page was opened: it has a new id now.
            raise RuleError(
                "The anonymous answers were sealed a moment ago. Open the page again to "
                "hide this answer."
            )
        locked.hidden, locked.moderation_reason = True, reason
        locked.save(update_fields=["hidden", "moderation_reason"])
        record(
            action="reflection.hidden",
            actor=actor,
            project_id=answer.stage.project_id,
            target=locked,
            details={"stage_id": str(answer.stage_id)},
        )
    locked.stage = answer.stage
    return locked


def _anonymous_answers_seal(*, actor: User | None, stage: Stage) -> int:
    """Seal the stage's anonymous answers and record it; return how many were not
    sealed before (0: nothing done, nothing recorded).

    Run it in the transaction that ends reflection, holding the stage's row for update.
    Answers sealed before (reflection reopened with the project) are shuffled again
    with the new ones, so a later answer does not stand apart. Each new answer's day
    becomes today's: the day it was written would match it to the trail's count.
    """
    anonymous = ReflectionAnswer.objects.filter(stage=stage, author__isnull=True)
    fresh = anonymous.filter(sealed=False).count()
    if not fresh:
        return 0
    today = timezone.localdate()

    def coarsened(kept: dict[str, Any]) -> dict[str, Any]:
        if not kept["sealed"]:
            kept["written_on"] = today
        return {**kept, "sealed": True}

    kept = ("stage_id", "question", "body", "written_on", "hidden", "moderation_reason", "sealed")
    rows_seal(anonymous, keep=kept, rewrite=coarsened)
    # How many, never which.
    record(
        action="reflections.sealed",
        actor=actor,
        project_id=stage.project_id,
        target=stage,
        details={"stage_id": str(stage.pk), "count": fresh},
    )
    return fresh


def reflections_seal_due() -> int:
    """Seal the anonymous answers of every stage whose reflection has ended (its pulse
    closed, or its project no longer active), as the system; return how many stages.
    Closing a pulse seals its stage's at once: this catches the rest. Safe to run often."""
    waiting = ReflectionAnswer.objects.filter(author__isnull=True, sealed=False)
    stages = Stage.objects.filter(pk__in=waiting.values("stage_id")).select_related(
        "project", "pulse"
    )
    done = 0
    for stage in stages:
        if permissions.reflection_is_open(stage, getattr(stage, "pulse", None)):
            continue
        with transaction.atomic():
            locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
            if permissions.reflection_is_open(locked, Pulse.objects.filter(stage=locked).first()):
                continue
            if _anonymous_answers_seal(actor=None, stage=locked):
                done += 1
    return done
