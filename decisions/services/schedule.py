"""Keeping the schedule: moving each stage whose time has come, as "the system"."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from coproduce.errors import RuleError
from decisions.services.decisions import voting_close
from projects import services as project_services
from projects.models import Stage

logger = logging.getLogger(__name__)


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
            | Q(state=Stage.State.OPEN, has_vote=False, closes_at__lte=now)
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
            except RuleError as error:
                logger.warning("Stage %s could not move to %s: %s", stage.pk, target, error)
                break
            moved.append((str(stage.pk), target))
            stage = Stage.objects.select_related("project").get(pk=stage.pk)
            target = _scheduled_target(stage, now)
    return moved


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
