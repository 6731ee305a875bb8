"""What decisions tells people: reminders to vote, results, replies, moderation.

Each function is called by a service inside its transaction (or, for reminders,
by the scheduled task) and hands the words to participants' `notify`, which
writes each notification once per key and emails after commit.

The words never say how anyone voted, who else is in the project, or who wrote
a reply: "someone", never a name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.models import Comment, DecisionRecord, Participation, Proposal
from participants.models import User
from participants.notifications.models import Kind
from participants.notifications.services import notifications_withdraw, notify
from projects.models import MAX_REMINDER_HOURS, Membership, Project, Role, Stage


def _stage_link(stage: Stage, name: str) -> str:
    return reverse(name, kwargs={"project_id": stage.project_id, "stage_id": stage.pk})


def _current_people(project_id: object, roles: Iterable[str]) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.filter(
            project_id=project_id, role__in=list(roles), left_at__isnull=True
        ).select_related("user")
    ]


def members_yet_to_vote(stage: Stage) -> list[User]:
    """Current members of the stage's project with no participation in its vote."""
    voted = Participation.objects.filter(stage=stage).values("user_id")
    return [
        membership.user
        for membership in Membership.objects.filter(
            project_id=stage.project_id, role=Role.MEMBER, left_at__isnull=True
        )
        .exclude(user_id__in=voted)
        .select_related("user")
        .order_by("user_id")
    ]


def _reminder_due(stage: Stage, hours: int, now: datetime) -> bool:
    """True when the reminder's time has come and a later reminder has not taken its place.

    A vote that opened after the reminder's time gets no such reminder: the
    "voting opened" notification already told people, with the deadline. The stage
    page shows the same rule (`Stage.planned_reminder_hours`).
    """
    planned = stage.planned_reminder_hours
    if stage.voting_opened_at is None or hours not in planned or now >= stage.closes_at:
        return False
    if now < stage.closes_at - timedelta(hours=hours):
        return False
    later = [h for h in planned if h < hours]
    return not any(now >= stage.closes_at - timedelta(hours=h) for h in later)


def voting_reminders_send(*, now: datetime | None = None) -> int:
    """Remind members who have not voted, at each stage's reminder hours (48 and 24
    hours before voting closes unless the facilitators chose others).

    Safe to run often and twice: each reminder's key is written once. The stage's
    row lock (which `ballot_cast` also takes) keeps a vote and a reminder apart.
    Returns how many reminders were asked for.
    """
    now = now or timezone.now()
    candidates = (
        Stage.objects.filter(
            state=Stage.State.VOTING,
            project__status=Project.Status.ACTIVE,
            closes_at__gt=now,
            closes_at__lte=now + timedelta(hours=MAX_REMINDER_HOURS),
        )
        .exclude(reminder_hours=[])
        .values_list("pk", flat=True)
    )
    asked = 0
    for stage_id in list(candidates):
        with transaction.atomic():
            stage = (
                Stage.objects.select_for_update(of=("self",))
                .select_related("project")
                .get(pk=stage_id)
            )
            if stage.state != Stage.State.VOTING:
                continue
            for hours in stage.reminder_hours:
                if not _reminder_due(stage, hours, now):
                    continue
                asked += len(
                    notify(
                        recipients=members_yet_to_vote(stage),
                        kind=Kind.VOTING_REMINDER,
                        key=f"reminder{hours}:{stage.pk}",
                        subject=_("A reminder: voting closes soon"),
                        body=_(
                            'Voting in "%(stage)s" of the project "%(project)s" closes soon. '
                            "You have not voted yet. You can still vote if you want to. "
                            "It is your choice."
                        )
                        % {"stage": stage.title, "project": stage.project.title},
                        link=_stage_link(stage, "decisions:ballot"),
                        deadline=stage.closes_at,
                    )
                )
    return asked


def voting_reminders_withdraw(*, user: User, stage: Stage) -> None:
    """Take back reminders not yet emailed to someone who has just voted."""
    notifications_withdraw(
        recipient=user, kind=Kind.VOTING_REMINDER, key_suffix=f":{stage.pk}:{user.pk}"
    )


def vote_recorded_for_member(*, member: User, stage: Stage) -> None:
    """Tell a member that a facilitator recorded a vote for them (never what it was), so
    a vote they did not ask for cannot pass unseen; they can change it while voting is open."""
    recorded_for_member(
        member=member,
        stage=stage,
        what=_("a vote"),
        link=_stage_link(stage, "decisions:ballot"),
        change=_("You can see your vote and change it yourself until voting closes."),
    )


def recorded_for_member(
    *, member: User, stage: Stage, what: str, link: str, change: str = ""
) -> None:
    """Tell a member that a facilitator recorded something for them at their request."""
    notify(
        recipients=[member],
        kind=Kind.RECORDED_FOR_YOU,
        key=f"recorded_for_you:{stage.pk}:{uuid.uuid4()}",
        subject=_("A facilitator recorded %(what)s for you") % {"what": what},
        body=_(
            'A facilitator recorded %(what)s for you in "%(stage)s" of the project '
            '"%(project)s", as you asked.'
        )
        % {"what": what, "stage": stage.title, "project": stage.project.title}
        + " "
        + (change or _("It is yours: you can change it yourself."))
        + " "
        + _("If you did not ask for this, tell another facilitator or the project's observer."),
        link=link,
    )


def results_published_notify(*, decision: DecisionRecord) -> None:
    """Tell everyone in the project that the results of a vote are ready."""
    stage = decision.stage
    notify(
        recipients=_current_people(stage.project_id, Role.values),
        kind=Kind.RESULTS_PUBLISHED,
        key=f"results_published:{decision.pk}",
        subject=_("The results of a vote are ready"),
        body=_(
            'Voting in "%(stage)s" of the project "%(project)s" has closed. The results are ready.'
        )
        % {"stage": stage.title, "project": stage.project.title},
        link=_stage_link(stage, "decisions:decision"),
    )


def decision_recorded_notify(*, decision: DecisionRecord) -> None:
    """Tell everyone in the project that the reasons for a decision are written up.

    Only the first write-up notifies: later edits keep the same key.
    """
    stage = decision.stage
    notify(
        recipients=_current_people(stage.project_id, Role.values),
        kind=Kind.DECISION_RECORDED,
        key=f"decision_recorded:{decision.pk}",
        subject=_("A decision has been written up"),
        body=_(
            'The facilitators have written up the decision for "%(stage)s" of the project '
            '"%(project)s": the reasons and the next steps.'
        )
        % {"stage": stage.title, "project": stage.project.title},
        link=_stage_link(stage, "decisions:decision"),
    )


def reply_notify(*, comment: Comment, replied_to: Comment | None) -> None:
    """Tell the author of the proposal, and of the comment replied to, about a new comment.

    Nobody is told about their own comment, and the email does not name who wrote it.
    """
    proposal = comment.proposal
    link = proposal.get_absolute_url()
    words = {"proposal": proposal.title}
    if replied_to is not None and replied_to.author_id != comment.author_id:
        notify(
            recipients=[replied_to.author],
            kind=Kind.REPLY,
            key=f"reply:{comment.pk}",
            subject=_("Someone replied to your comment"),
            body=_('Someone replied to your comment on "%(proposal)s".') % words,
            link=link,
        )
    author = proposal.author
    already_told = replied_to is not None and replied_to.author_id == getattr(author, "pk", None)
    if author is not None and author.pk != comment.author_id and not already_told:
        notify(
            recipients=[author],
            kind=Kind.REPLY,
            key=f"reply:{comment.pk}",
            subject=_("Someone commented on your proposal"),
            body=_('Someone commented on your proposal "%(proposal)s".') % words,
            link=link,
        )


def proposal_hidden_notify(*, proposal: Proposal) -> None:
    """Tell the author that a facilitator hid their proposal, and why."""
    if proposal.author is None:
        return
    notify(
        recipients=[proposal.author],
        kind=Kind.PROPOSAL_MODERATED,
        key=f"proposal_hidden:{proposal.pk}",
        subject=_("A facilitator hid your proposal"),
        body=_(
            'A facilitator hid your proposal "%(proposal)s". The reason they gave: %(reason)s\n\n'
            "Your proposal is still kept in the project's record. "
            "If you have questions, you can ask the facilitators."
        )
        % {"proposal": proposal.title, "reason": proposal.moderation_reason},
        link=proposal.get_absolute_url(),
    )


def proposals_merged_notify(*, originals: Iterable[Proposal], merged: Proposal, note: str) -> None:
    """Tell each author that their proposal was combined with similar ones, and why."""
    reason = note.strip() or _("No reason was given.")
    for original in originals:
        if original.author is None:
            continue
        notify(
            recipients=[original.author],
            kind=Kind.PROPOSAL_MODERATED,
            key=f"proposal_merged:{original.pk}",
            subject=_("Your proposal was combined with similar ones"),
            body=_(
                'A facilitator combined your proposal "%(proposal)s" with similar ones into '
                '"%(merged)s". The reason they gave: %(reason)s\n\n'
                "Your words are kept, and the combined proposal links back to them."
            )
            % {"proposal": original.title, "merged": merged.title, "reason": reason},
            link=merged.get_absolute_url(),
        )
