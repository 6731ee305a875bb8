"""What delivery tells people: a response was written, a response or an action is due,
an action is yours. Each function hands the words to participants' `notify`, which
writes each notification once per key (so reminders are safe to run again) and emails
after commit, as each person chose."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from delivery.models import OPEN_STATUSES, Action, Recommendation, Response
from participants.models import User
from participants.notifications.models import Kind
from participants.notifications.services import notifications_withdraw, notify
from projects.models import Membership, Project, Role, Stage

# Reminders go this many days before a response or an action is due, and once it is late.
RESPONSE_REMINDER_DAYS = 7
ACTION_REMINDER_DAYS = 3


def _people(project_id: object, roles: Iterable[str]) -> list[User]:
    return _people_of([project_id], roles).get(project_id, [])


def _people_of(project_ids: Iterable[object], roles: Iterable[str]) -> dict[object, list[User]]:
    """The people of these roles in each of these projects now, in one query."""
    found: dict[object, list[User]] = {}
    for membership in Membership.objects.filter(
        project_id__in=list(project_ids), role__in=list(roles), left_at__isnull=True
    ).select_related("user"):
        found.setdefault(membership.project_id, []).append(membership.user)
    return found


def _delivery_link(project_id: object) -> str:
    return reverse("delivery:overview", kwargs={"project_id": project_id})


def response_requested_notify(*, stage: Stage, recommendations: Sequence[Recommendation]) -> None:
    """Tell the project's sponsors that the group's recommendations wait for a response."""
    if not recommendations:
        return
    due_on = recommendations[0].response_due_on
    sponsors = _people(stage.project_id, [Role.SPONSOR])
    if not sponsors:
        _no_sponsor_notify(stage=stage, count=len(recommendations))
        return
    notify(
        recipients=sponsors,
        kind=Kind.RESPONSE_DUE,
        key=f"response_requested:{stage.pk}",
        subject=_("The group's recommendations are ready for your response"),
        body=ngettext(
            'The vote in "%(stage)s" of the project "%(project)s" has closed. The group makes '
            "%(count)s recommendation. Please respond to it by %(due)s: say whether it is "
            "accepted, and if not, why, and what will happen next.",
            'The vote in "%(stage)s" of the project "%(project)s" has closed. The group makes '
            "%(count)s recommendations. Please respond to each one by %(due)s: say whether "
            "it is accepted, and if not, why, and what will happen next.",
            len(recommendations),
        )
        % {
            "stage": stage.title,
            "project": stage.project.title,
            "count": len(recommendations),
            "due": f"{due_on:%d %B %Y}",
        },
        link=_delivery_link(stage.project_id),
    )


def _no_sponsor_notify(*, stage: Stage, count: int) -> None:
    """Nobody can respond: tell the facilitators the project needs a sponsor."""
    notify(
        recipients=_people(stage.project_id, [Role.FACILITATOR]),
        kind=Kind.RESPONSE_DUE,
        key=f"response_needs_sponsor:{stage.pk}",
        subject=_("The group's recommendations need a sponsor to respond"),
        body=ngettext(
            'The vote in "%(stage)s" of the project "%(project)s" has closed and the group '
            "makes %(count)s recommendation, but the project has no sponsor, so nobody can "
            "respond to it. Invite the person in the organisation who will answer for it, "
            'with the role "Sponsor".',
            'The vote in "%(stage)s" of the project "%(project)s" has closed and the group '
            "makes %(count)s recommendations, but the project has no sponsor, so nobody can "
            "respond to them. Invite the person in the organisation who will answer for them, "
            'with the role "Sponsor".',
            count,
        )
        % {"stage": stage.title, "project": stage.project.title, "count": count},
        link=reverse("projects:invite", kwargs={"project_id": stage.project_id}),
    )


def response_published_notify(*, response: Response, recommendation: Recommendation) -> None:
    """Tell the members and facilitators about each response and each revision."""
    project = recommendation.project
    subject = (
        _("The organisation has responded to a recommendation")
        if response.version == 1
        else _("The organisation has changed its response to a recommendation")
    )
    notify(
        recipients=[
            person
            for person in _people(project.pk, [Role.MEMBER, Role.FACILITATOR])
            if person.pk != response.written_by_id
        ],
        kind=Kind.RESPONSE_PUBLISHED,
        key=f"response:{response.pk}",
        subject=subject,
        body=_(
            'In the project "%(project)s", the recommendation "%(recommendation)s" now has '
            'the response "%(answer)s". Read the reasons and what will happen next.'
        )
        % {
            "project": project.title,
            "recommendation": recommendation.title,
            "answer": response.get_answer_display(),
        },
        link=recommendation.get_absolute_url(),
    )


def action_assigned_notify(*, action: Action, project: Project, change: object = None) -> None:
    """Tell the owner that a confirmed action is theirs. `change` names the change of
    owner that gave it to them (its trail position), so someone given an action back
    is told again; without it, the action's confirmation."""
    suffix = "" if change is None else f":{change}"
    notify(
        recipients=[action.owner],
        kind=Kind.ACTION_ASSIGNED,
        key=f"action_assigned:{action.pk}:{action.owner_id}{suffix}",
        subject=_("A delivery action is yours"),
        body=_(
            'In the project "%(project)s", you own the action "%(action)s". It is due by '
            "%(due)s. Post updates on its page as it goes."
        )
        % {"project": project.title, "action": action.title, "due": f"{action.due_on:%d %B %Y}"},
        link=action.get_absolute_url(),
    )


def _action_reminder_key(phase: str, action_id: object, due_on: date) -> str:
    return f"action_{phase}:{action_id}:{due_on}"


def action_changed_notify(
    *, action: Action, project: Project, owner_before: int, due_before: date, change: object
) -> None:
    """An action has another owner or date: the reminders for the old ones that were not
    emailed yet no longer apply; a confirmed action's new owner is told it is theirs, or
    its owner is told of the new date. Later reminders follow by themselves (each run
    reads the action's owner and date)."""
    notifications_withdraw(
        keys=[
            f"{_action_reminder_key(phase, action.pk, due_before)}:{owner_before}"
            for phase in ("soon", "late")
        ]
    )
    if not action.confirmed:
        return
    if action.owner_id != owner_before:
        action_assigned_notify(action=action, project=project, change=change)
        return
    notify(
        recipients=[action.owner],
        kind=Kind.ACTION_DUE,
        key=f"action_due_changed:{action.pk}:{action.due_on}",
        subject=_("The date your action is due has changed"),
        body=_(
            'In the project "%(project)s", your action "%(action)s" is now due by %(due)s '
            "(it was %(before)s)."
        )
        % {
            "project": project.title,
            "action": action.title,
            "due": f"{action.due_on:%d %B %Y}",
            "before": f"{due_before:%d %B %Y}",
        },
        link=action.get_absolute_url(),
    )


def action_proposed_notify(*, action: Action, project: Project) -> None:
    """Tell the facilitators and sponsors that a proposed action waits for them."""
    notify(
        recipients=[
            person
            for person in _people(project.pk, [Role.FACILITATOR, Role.SPONSOR])
            if person.pk != action.proposed_by_id
        ],
        kind=Kind.ACTION_PROPOSED,
        key=f"action_proposed:{action.pk}",
        subject=_("An action waits for you to confirm it"),
        body=_(
            'In the project "%(project)s", a member proposes the action "%(action)s". '
            "Confirm it on its page, so that it counts and its owner is told."
        )
        % {"project": project.title, "action": action.title},
        link=action.get_absolute_url(),
    )


def _phase(due_on: date, today: date, days_before: int) -> str | None:
    """ "soon" in the days before the due date, "late" after it, otherwise nothing."""
    if today > due_on:
        return "late"
    if today >= due_on - timedelta(days=days_before):
        return "soon"
    return None


def response_reminders_send(*, today: date) -> int:
    """Remind sponsors of recommendations with no response, before and after they are due.
    Each project's sponsors are read once for the run, however many recommendations wait."""
    asked = 0
    waiting = list(
        Recommendation.objects.filter(
            responses__isnull=True,
            project__status=Project.Status.ACTIVE,
            response_due_on__lte=today + timedelta(days=RESPONSE_REMINDER_DAYS),
        )
        .select_related("project")
        .order_by("project_id", "response_due_on")
    )
    sponsors = _people_of({row.project_id for row in waiting}, [Role.SPONSOR])
    for recommendation in waiting:
        phase = _phase(recommendation.response_due_on, today, RESPONSE_REMINDER_DAYS)
        if phase is None:
            continue
        values = {
            "project": recommendation.project.title,
            "recommendation": recommendation.title,
            "due": f"{recommendation.response_due_on:%d %B %Y}",
        }
        with transaction.atomic():
            asked += len(
                notify(
                    recipients=sponsors.get(recommendation.project_id, []),
                    kind=Kind.RESPONSE_DUE,
                    key=f"response_{phase}:{recommendation.pk}:{recommendation.response_due_on}",
                    subject=_("A response is due soon")
                    if phase == "soon"
                    else _("A response is overdue"),
                    body=(
                        _(
                            'In the project "%(project)s", the recommendation '
                            '"%(recommendation)s" needs your response by %(due)s.'
                        )
                        if phase == "soon"
                        else _(
                            'In the project "%(project)s", the response to the recommendation '
                            '"%(recommendation)s" was due by %(due)s. Every member can see it '
                            "is overdue. Please respond, even if only to say when you will."
                        )
                    )
                    % values,
                    link=recommendation.get_absolute_url(),
                )
            )
    return asked


def action_reminders_send(*, today: date) -> int:
    """Remind owners of confirmed, unfinished actions, before and after they are due."""
    asked = 0
    due = (
        Action.objects.filter(
            confirmed_at__isnull=False,
            status__in=OPEN_STATUSES,
            recommendation__project__status=Project.Status.ACTIVE,
            due_on__lte=today + timedelta(days=ACTION_REMINDER_DAYS),
        )
        .select_related("owner", "recommendation__project")
        .order_by("due_on", "id")
    )
    for action in due:
        phase = _phase(action.due_on, today, ACTION_REMINDER_DAYS)
        if phase is None:
            continue
        values = {
            "project": action.recommendation.project.title,
            "action": action.title,
            "due": f"{action.due_on:%d %B %Y}",
        }
        with transaction.atomic():
            asked += len(
                notify(
                    recipients=[action.owner],
                    kind=Kind.ACTION_DUE,
                    key=_action_reminder_key(phase, action.pk, action.due_on),
                    subject=_("An action of yours is due soon")
                    if phase == "soon"
                    else _("An action of yours is overdue"),
                    body=(
                        _(
                            'In the project "%(project)s", your action "%(action)s" is due '
                            "by %(due)s."
                        )
                        if phase == "soon"
                        else _(
                            'In the project "%(project)s", your action "%(action)s" was due by '
                            "%(due)s. Post an update to say where it stands, or mark it stuck "
                            "so the group can help."
                        )
                    )
                    % values,
                    link=action.get_absolute_url(),
                )
            )
    return asked


def delivery_reminders_send(*, today: date | None = None) -> int:
    """Every reminder that is due now; safe to run again (each is written once)."""
    today = today or timezone.localdate()
    return response_reminders_send(today=today) + action_reminders_send(today=today)
