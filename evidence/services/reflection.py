"""Answers to a stage's questions to reflect on: named or anonymous, as each member chooses."""

from __future__ import annotations

from django.db import transaction

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from coproduce.text import one_line
from evidence import permissions
from evidence.models import ReflectionAnswer
from participants.models import User
from projects.models import Stage

ANONYMOUS_LABEL = "A member (anonymously)"


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def reflection_answer_create(
    *, actor: User, stage: Stage, question_number: int, body: str, anonymous: bool
) -> ReflectionAnswer:
    """Keep a member's answer to one question. An anonymous answer names nobody, in the
    answer and in the trail alike."""
    _deny(permissions.can_reflect(actor, stage))
    questions = stage.question_list
    if not 1 <= question_number <= len(questions):
        raise RuleError("Choose one of the stage's questions.")
    text = body.replace("\x00", "").strip()
    if not text:
        raise RuleError("Write your answer, or leave it: answering is up to you.")
    if len(text) > ReflectionAnswer.BODY_MAX:
        raise RuleError(f"Keep your answer to {ReflectionAnswer.BODY_MAX} characters or fewer.")
    with transaction.atomic():
        answer = ReflectionAnswer.objects.create(
            stage=stage,
            question=questions[question_number - 1][:500],
            body=text,
            author=None if anonymous else actor,
        )
        record(
            action="reflection.answered",
            actor=None if anonymous else actor,
            actor_label=ANONYMOUS_LABEL if anonymous else None,
            project_id=stage.project_id,
            details={"stage_id": str(stage.pk), "anonymous": anonymous},
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
        locked = ReflectionAnswer.objects.select_for_update().get(pk=answer.pk)
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
