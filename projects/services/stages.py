"""Stages: adding, changing, removing and ordering them, and moving them along their
timeline (draft -> open -> voting -> closed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RuleError
from participants.models import User
from projects import notify, permissions
from projects.models import Project, Stage, reminder_hours_normalised
from projects.services._common import _changes, _deny_unless
from projects.signals import stage_closed

STAGE_TEXT_FIELDS = {"kind", "title", "description", "reflective_questions"}
STAGE_SCHEDULE_FIELDS = {"opens_at", "voting_opens_at", "closes_at"}
STAGE_ALLOWANCE_FIELDS = {"proposals_allowed", "comments_allowed", "comments_allowed_during_voting"}
# Whether the stage has a vote: set by decisions with the vote's rules, fixed once voting opens.
STAGE_VOTE_FIELDS = {"has_vote"}
STAGE_REMINDER_FIELDS = {"reminder_hours"}
STAGE_FIELDS = (
    STAGE_TEXT_FIELDS
    | STAGE_SCHEDULE_FIELDS
    | STAGE_ALLOWANCE_FIELDS
    | STAGE_VOTE_FIELDS
    | STAGE_REMINDER_FIELDS
)


def _reminder_hours_clean(hours: Iterable[int]) -> list[int]:
    try:
        return reminder_hours_normalised(hours)
    except ValidationError as error:
        raise RuleError(" ".join(error.messages)) from error


def _check_dates(values: dict[str, Any]) -> None:
    opens: datetime | None = values.get("opens_at")
    voting: datetime | None = values.get("voting_opens_at")
    closes: datetime | None = values.get("closes_at")
    ordered = [moment for moment in (opens, voting, closes) if moment is not None]
    if ordered != sorted(ordered):
        raise RuleError(
            "The dates must be in order: the stage opens, then voting opens, then it closes."
        )


def stage_create(*, actor: User, project: Project, **values: Any) -> Stage:
    """Add a stage at the end of the project's timeline."""
    _deny_unless(permissions.can_configure_project(actor, project))
    unknown = set(values) - STAGE_FIELDS
    if unknown:
        raise ValueError(f"Unknown stage fields {sorted(unknown)}.")
    _check_dates(values)
    if "reminder_hours" in values:
        values["reminder_hours"] = _reminder_hours_clean(values["reminder_hours"])
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        last = project.stages.aggregate(last=Max("position"))["last"] or 0
        stage = Stage.objects.create(project=project, position=last + 1, **values)
        record(
            action="stage.created",
            actor=actor,
            project_id=project.pk,
            target=stage,
            details={"title": stage.title, "position": stage.position},
        )
    return stage


def stage_update(*, actor: User, stage: Stage, **values: Any) -> Stage:
    """Change a stage's settings. Whether it has a vote, and when voting opens, are fixed
    once voting has opened."""
    _deny_unless(permissions.can_configure_project(actor, stage.project))
    unknown = set(values) - STAGE_FIELDS
    if unknown:
        raise ValueError(f"Unknown stage fields {sorted(unknown)}.")
    if "reminder_hours" in values:
        values["reminder_hours"] = _reminder_hours_clean(values["reminder_hours"])
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        changed = _changes(locked, values)
        if locked.voting_has_opened and (set(changed) & STAGE_VOTE_FIELDS):
            raise RuleError(
                "Voting has opened in this stage, so its voting rules can no longer be changed."
            )
        if locked.voting_has_opened and "voting_opens_at" in changed:
            raise RuleError("Voting has already opened, so its start cannot be moved.")
        _check_dates(
            {name: values.get(name, getattr(locked, name)) for name in STAGE_SCHEDULE_FIELDS}
        )
        if not changed:
            return locked
        for name, (_before, after) in changed.items():
            setattr(locked, name, after)
        locked.save(update_fields=list(changed))
        record(
            action="stage.updated",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={
                name: [str(before), str(after)]
                for name, (before, after) in changed.items()
                if name not in {"description", "reflective_questions"}
            }
            | {"texts_changed": sorted(set(changed) & {"description", "reflective_questions"})},
        )
    return locked


def stage_delete(*, actor: User, stage: Stage) -> None:
    """Remove a stage that has not started; the later stages move up."""
    _deny_unless(permissions.can_configure_project(actor, stage.project))
    with transaction.atomic():
        locked = Stage.objects.select_for_update().get(pk=stage.pk)
        if locked.state != Stage.State.DRAFT:
            raise RuleError("Only a stage that has not started can be removed.")
        project_id, position, title = locked.project_id, locked.position, locked.title
        locked.delete()
        Stage.objects.filter(project_id=project_id, position__gt=position).update(
            position=F("position") - 1
        )
        record(
            action="stage.deleted",
            actor=actor,
            project_id=project_id,
            details={"title": title, "position": position},
        )


def stage_move(*, actor: User, stage: Stage, direction: int) -> Stage:
    """Swap a stage with the one before (direction -1) or after (+1) it."""
    _deny_unless(permissions.can_configure_project(actor, stage.project))
    if direction not in (-1, 1):
        raise ValueError("direction is -1 or 1")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=stage.project_id)
        locked = Stage.objects.get(pk=stage.pk)
        neighbour = Stage.objects.filter(
            project_id=locked.project_id, position=locked.position + direction
        ).first()
        if neighbour is None:
            return locked
        # The unique (project, position) constraint is deferred to the end of the transaction.
        locked.position, neighbour.position = neighbour.position, locked.position
        locked.save(update_fields=["position"])
        neighbour.save(update_fields=["position"])
        record(
            action="stage.moved",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"position": locked.position},
        )
    return locked


STAGE_TRANSITIONS: dict[str, tuple[str, str]] = {
    # target state: (the state it comes from, the audit action)
    Stage.State.OPEN: (Stage.State.DRAFT, "stage.opened"),
    Stage.State.VOTING: (Stage.State.OPEN, "stage.voting_opened"),
    Stage.State.CLOSED: (Stage.State.VOTING, "stage.closed"),
}


def stage_transition(*, actor: User | None, stage: Stage, to_state: str) -> Stage:
    """Move a stage one step along draft -> open -> voting -> closed.

    A stage without a vote goes from open straight to closed. A vote is closed by
    `decisions.services.voting_close`, which records the result and calls
    `stage_vote_close`. `actor` None is the scheduler. Running it twice does no harm:
    the second run finds the state moved.
    """
    return _stage_move(actor=actor, stage=stage, to_state=to_state, closing_the_vote=False)


def stage_vote_close(*, actor: User | None, stage: Stage) -> Stage:
    """Move a stage from voting to closed, for `decisions.services.voting_close` only: it
    holds the stage's row lock and writes the decision record in the same transaction."""
    return _stage_move(actor=actor, stage=stage, to_state=Stage.State.CLOSED, closing_the_vote=True)


def _stage_move(
    *, actor: User | None, stage: Stage, to_state: str, closing_the_vote: bool
) -> Stage:
    if actor is not None:
        _deny_unless(permissions.can_configure_project(actor, stage.project))
    with transaction.atomic():
        locked = Stage.objects.select_for_update().select_related("project").get(pk=stage.pk)
        if locked.state == to_state:
            return locked
        allowed_from = {STAGE_TRANSITIONS[to_state][0]} if to_state in STAGE_TRANSITIONS else set()
        if to_state == Stage.State.CLOSED and not locked.has_vote:
            allowed_from.add(Stage.State.OPEN)
        if to_state == Stage.State.VOTING and not locked.has_vote:
            allowed_from = set()
        if locked.state not in allowed_from:
            raise RuleError(
                f"This stage is {locked.get_state_display().lower()}: it cannot move to "
                f"{Stage.State(to_state).label.lower()} from here."
            )
        if locked.project.status != Project.Status.ACTIVE:
            raise RuleError("This project is not active, so its stages cannot move.")
        if locked.state == Stage.State.VOTING and not closing_the_vote:
            raise RuleError("Close voting from the stage's voting page, so the result is recorded.")
        before = locked.state
        locked.state = to_state
        changed = ["state"]
        if to_state == Stage.State.VOTING:
            locked.voting_opened_at = timezone.now()
            changed.append("voting_opened_at")
        locked.save(update_fields=changed)
        action = STAGE_TRANSITIONS[to_state][1]
        record(
            action=action,
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"from": before, "to": to_state, "title": locked.title},
        )
        if to_state in (Stage.State.OPEN, Stage.State.VOTING):
            notify.stage_news_notify(locked)
        if to_state == Stage.State.CLOSED:
            stage_id = locked.pk
            transaction.on_commit(
                lambda: stage_closed.send(sender=Stage, stage_id=stage_id), robust=True
            )
    return locked
