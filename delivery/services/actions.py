"""Delivery actions: proposed by anyone in the project, confirmed by a facilitator or
sponsor (who can give one another owner or date), moved along step by step by their
owner, with progress updates and comments."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RuleError
from delivery import notify as delivery_notify
from delivery import permissions
from delivery.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    DeliveryComment,
    Recommendation,
)
from delivery.rules import deny, next_statuses, not_in_the_past, takes_part
from participants.models import User

OWNER_TAKES_PART = (
    "Choose someone who takes part in this project: a member, a facilitator or a sponsor."
)


def _current_response(recommendation: Recommendation):  # type: ignore[no-untyped-def]
    return recommendation.responses.order_by("-version").first()


def _locked(action: Action) -> Action:
    return (
        Action.objects.select_for_update(of=("self",))
        .select_related("recommendation__project")
        .get(pk=action.pk)
    )


def _required(text: str, field: str, message: str) -> str:
    text = text.strip()
    if not text:
        raise RuleError(message, field=field)
    return text


def action_propose(
    *,
    actor: User,
    recommendation: Recommendation,
    title: str,
    done_looks_like: str,
    owner: User,
    due_on: date,
) -> Action:
    """Propose an action on an accepted recommendation. A facilitator or sponsor who
    proposes one confirms it at the same time; anyone else's waits for them."""
    project = recommendation.project
    deny(permissions.can_propose_action(actor, project, _current_response(recommendation)))
    title = _required(title, "title", "Say what will be done.")
    done_looks_like = _required(done_looks_like, "done_looks_like", 'Say what "done" looks like.')
    if not takes_part(project, owner):
        raise RuleError(OWNER_TAKES_PART, field="owner")
    not_in_the_past(due_on, field="due_on")
    confirms = permissions.can_confirm_actions(actor, project)
    now = timezone.now()
    with transaction.atomic():
        action = Action.objects.create(
            recommendation=recommendation,
            title=title,
            done_looks_like=done_looks_like,
            owner=owner,
            due_on=due_on,
            proposed_by=actor,
            proposed_at=now,
            confirmed_by=actor if confirms else None,
            confirmed_at=now if confirms else None,
        )
        record(
            action="delivery.action_proposed",
            actor=actor,
            project_id=project.pk,
            target=action,
            details={"recommendation": str(recommendation.pk), "confirmed": confirms},
        )
        if confirms:
            delivery_notify.action_assigned_notify(action=action, project=project)
        else:
            delivery_notify.action_proposed_notify(action=action, project=project)
    return action


def action_confirm(*, actor: User, action: Action) -> Action:
    """A facilitator or sponsor confirms a proposed action: from now on it counts."""
    project = action.recommendation.project
    deny(permissions.can_confirm_action(actor, project, action))
    with transaction.atomic():
        locked = _locked(action)
        if locked.confirmed:
            return locked
        if not takes_part(project, locked.owner):
            raise RuleError(
                "The person who would own this action no longer takes part in the project.",
                field="owner",
            )
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        record(
            action="delivery.action_confirmed",
            actor=actor,
            project_id=project.pk,
            target=locked,
        )
        delivery_notify.action_assigned_notify(action=locked, project=project)
    return locked


def action_status_change(*, actor: User, action: Action, status: str, reason: str = "") -> Action:
    """Move an action one step (see STATUS_STEPS). Dropping needs a reason."""
    project = action.recommendation.project
    deny(permissions.can_change_action_status(actor, project, action))
    status = ActionStatus(status)
    reason = reason.strip()
    if status == ActionStatus.DROPPED and not reason:
        raise RuleError("Say why the action is dropped, so the group knows.", field="reason")
    with transaction.atomic():
        locked = _locked(action)
        before = ActionStatus(locked.status)
        if status == before:
            return locked
        allowed = next_statuses(before)
        if status not in allowed:
            steps = ", ".join(str(step.label).lower() for step in allowed)
            raise RuleError(
                f'An action that is "{str(before.label).lower()}" moves one step at a time. '
                f"From here it can be: {steps}.",
                field="status",
            )
        locked.status = status
        locked.drop_reason = reason if status == ActionStatus.DROPPED else ""
        locked.save(update_fields=["status", "drop_reason"])
        record(
            action="delivery.action_status_changed",
            actor=actor,
            project_id=project.pk,
            target=locked,
            details={"status": [str(before), str(status)]},
        )
    return locked


def action_change(*, actor: User, action: Action, owner: User, due_on: date) -> Action:
    """A facilitator or sponsor gives an unfinished action another owner, another due date,
    or both. Reminders follow: those for the old owner or date not yet emailed are
    withdrawn; a confirmed action's new owner is told it is theirs, or its owner is told
    of its new date."""
    project = action.recommendation.project
    deny(permissions.can_change_action(actor, project, action))
    if not takes_part(project, owner):
        raise RuleError(OWNER_TAKES_PART, field="owner")
    with transaction.atomic():
        locked = _locked(action)
        if not permissions.can_change_action(actor, project, locked):
            raise RuleError(
                "This action is done or dropped, so its owner and date stay as they were."
            )
        changed: dict[str, list[object]] = {}
        if due_on != locked.due_on:
            not_in_the_past(due_on, field="due_on")  # an unchanged date may have passed
            changed["due_on"] = [locked.due_on.isoformat(), due_on.isoformat()]
        if owner.pk != locked.owner_id:
            changed["owner"] = [locked.owner_id, owner.pk]
        if not changed:
            return locked
        owner_before, due_before = locked.owner_id, locked.due_on
        locked.owner, locked.due_on = owner, due_on
        locked.save(update_fields=["owner", "due_on"])
        event = record(
            action="delivery.action_changed",
            actor=actor,
            project_id=project.pk,
            target=locked,
            details=changed,
        )
        delivery_notify.action_changed_notify(
            action=locked,
            project=project,
            owner_before=owner_before,
            due_before=due_before,
            change=event.sequence,
        )
    return locked


def _evidence_link_checked(url: str) -> str:
    """An evidence link is an http or https address (nothing that runs in the browser)."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise RuleError(
            "Enter a web address that starts with https:// or http://, or leave it empty.",
            field="evidence_url",
        )
    return url


def action_update_post(
    *, actor: User, action: Action, text: str, evidence_url: str = ""
) -> ActionUpdate:
    """The owner posts a dated progress update, with an optional link to evidence."""
    project = action.recommendation.project
    deny(permissions.can_post_update(actor, project, action))
    text = _required(text, "text", "Say what has happened.")
    evidence_url = _evidence_link_checked(evidence_url)
    with transaction.atomic():
        update = ActionUpdate.objects.create(
            action=action, author=actor, text=text, evidence_url=evidence_url
        )
        record(
            action="delivery.action_update_posted",
            actor=actor,
            project_id=project.pk,
            target=action,
            details={"with_evidence": bool(evidence_url)},
        )
    return update


def action_comment_create(*, actor: User, action: Action, body: str) -> DeliveryComment:
    """A member comments on an action."""
    project = action.recommendation.project
    deny(permissions.can_comment_on_action(actor, project))
    body = _required(body, "body", "Write your comment.")
    with transaction.atomic():
        comment = DeliveryComment.objects.create(
            recommendation_id=action.recommendation_id, action=action, author=actor, body=body
        )
        record(
            action="delivery.comment_created",
            actor=actor,
            project_id=project.pk,
            target=comment,
            details={"action": str(action.pk)},
        )
    return comment
