"""Keeping the schedule: moving each stage whose time has come, as "the system"."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RuleError
from decisions.services.decisions import voting_close
from projects import services as project_services
from projects.models import Stage

logger = logging.getLogger(__name__)


def stages_advance(*, now: datetime | None = None) -> list[tuple[str, str]]:
    """Move every stage whose time has come, as "the system". Safe to run often and twice.

    Each move runs in its own transaction through the same services a facilitator
    uses, so a stage moved by hand a moment earlier is simply found moved. Each stage
    is handled on its own: one that cannot be moved (whatever the reason) is logged
    with its id and recorded in its project's trail, and the others still move.
    """
    now = now or timezone.now()
    # Only the ids first: one row that cannot be read must not stop the rest.
    due = list(
        Stage.objects.filter(project__status="active")
        .filter(
            Q(state=Stage.State.DRAFT, opens_at__lte=now)
            | Q(state=Stage.State.OPEN, voting_opens_at__lte=now)
            | Q(state=Stage.State.OPEN, has_vote=False, closes_at__lte=now)
            | Q(state=Stage.State.VOTING, closes_at__lte=now)
        )
        .order_by("project_id", "position")
        .values_list("pk", flat=True)
    )
    moved: list[tuple[str, str]] = []
    for stage_id in due:
        moved.extend(_advance_one(stage_id, now))
    return moved


def _advance_one(stage_id: Any, now: datetime) -> list[tuple[str, str]]:
    """Move one stage as far as its dates say, each move committed on its own; never
    raises: a failure is logged with the stage's id and recorded in its trail."""
    moved: list[tuple[str, str]] = []
    target: str | None = None
    try:
        stage = Stage.objects.select_related("project").get(pk=stage_id)
        # A stage whose dates have all passed catches up in one run, step by step.
        target = _scheduled_target(stage, now)
        while target is not None:
            try:
                # A savepoint at least: a failure leaves the connection usable.
                with transaction.atomic():
                    if target == Stage.State.CLOSED and stage.state == Stage.State.VOTING:
                        voting_close(actor=None, stage=stage)
                    else:
                        project_services.stage_transition(actor=None, stage=stage, to_state=target)
            except RuleError as error:
                logger.warning("Stage %s could not move to %s: %s", stage.pk, target, error)
                break
            moved.append((str(stage.pk), target))
            stage = Stage.objects.select_related("project").get(pk=stage.pk)
            target = _scheduled_target(stage, now)
    except Exception:
        logger.exception("The schedule could not move stage %s (to %s)", stage_id, target)
        _report_failure(stage_id, target)
    return moved


def _report_failure(stage_id: Any, target: str | None) -> None:
    """Record in the project's trail that the schedule could not move a stage, so the
    facilitators and observers (and administrators, through the trail) see it."""
    try:
        with transaction.atomic():
            found = Stage.objects.filter(pk=stage_id).values_list("project_id", "title").first()
            if found is None:
                return
            project_id, title = found
            record(
                action="stage.schedule_failed",
                actor=None,
                project_id=project_id,
                details={"stage_id": str(stage_id), "title": title, "to_state": target or ""},
            )
    except Exception:
        logger.exception("The failure to move stage %s could not be recorded", stage_id)


# What each scheduled move of `Stage.next_move` does to the stage's state.
_MOVES = {
    "opens": Stage.State.OPEN,
    "voting_opens": Stage.State.VOTING,
    "closes": Stage.State.CLOSED,
}


def _scheduled_target(stage: Stage, now: datetime) -> str | None:
    """The state the schedule moves the stage to now, if its next move is due: the same
    rule the stage page shows as "Next: ...", so the page and the schedule agree."""
    move = stage.next_move
    if move is None or move[1] > now:
        return None
    return _MOVES[move[0]]
