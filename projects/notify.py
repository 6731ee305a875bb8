"""What the project services tell people: the wording of their notifications
(like `decisions.notify`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from participants.models import User
from participants.notifications.models import Kind as NotificationKind
from participants.notifications.services import local_when, notify
from projects.models import Invitation, Membership, Role, Stage


def stage_news_notify(stage: Stage) -> None:
    """Tell the project's current members that a stage, or its vote, has opened."""
    members = [
        membership.user
        for membership in Membership.objects.filter(
            project_id=stage.project_id, role=Role.MEMBER, left_at__isnull=True
        ).select_related("user")
    ]
    words = {"stage": stage.title, "project": stage.project.title}
    link = stage.get_absolute_url()
    if stage.state == Stage.State.OPEN:
        notify(
            recipients=members,
            kind=NotificationKind.STAGE_OPENED,
            key=f"stage_opened:{stage.pk}",
            subject=gettext("A new stage has opened"),
            body=gettext('The stage "%(stage)s" of the project "%(project)s" has opened.') % words,
            link=link,
        )
    elif stage.state == Stage.State.VOTING:
        notify(
            recipients=members,
            kind=NotificationKind.VOTING_OPENED,
            key=f"voting_opened:{stage.pk}",
            subject=gettext("Voting has opened"),
            body=gettext(
                'Voting has opened in "%(stage)s" of the project "%(project)s". '
                "Every member has one equal vote, and votes are secret."
            )
            % words,
            link=link,
            deadline=stage.closes_at,
        )


def invited_notify(invitation: Invitation, invitee: User) -> None:
    """Someone who already has an account hears of the invitation like any other news:
    on their Notifications page and their home page, and by email as they chose."""
    role_words = {
        Role.MEMBER: gettext(
            "Members suggest ideas, comment and vote. Every member has one equal vote, "
            "and votes are secret."
        ),
        Role.FACILITATOR: gettext("Facilitators set up and run the project. They do not vote."),
        Role.OBSERVER: gettext(
            "Observers can read everything in the project. They do not take part or vote."
        ),
        Role.SPONSOR: gettext(
            "Sponsors respond to the group's recommendations and help deliver them. "
            "They do not vote."
        ),
    }
    notify(
        recipients=[invitee],
        kind=NotificationKind.INVITED,
        key=f"invited:{invitation.pk}",
        subject=gettext('You are invited to join "%(project)s"')
        % {"project": invitation.project.title},
        body=gettext(
            '%(inviter)s has invited you to join the project "%(project)s" as %(role)s. '
            '%(role_words)s\n\nTo join, open the link, or go to "Invitations for you" '
            "on your home page. The invitation works until %(until)s. If you do not want "
            "to join, you do not need to do anything."
        )
        % {
            "inviter": invitation.invited_by.display_name,
            "project": invitation.project.title,
            "role": {
                Role.MEMBER: gettext("a member"),
                Role.FACILITATOR: gettext("a facilitator"),
                Role.OBSERVER: gettext("an observer"),
                Role.SPONSOR: gettext("a sponsor"),
            }[invitation.role],
            "role_words": role_words[invitation.role],
            "until": local_when(invitation.expires_at, invitee),
        },
        link=reverse("projects:invitation_for_you", kwargs={"invitation_id": invitation.pk}),
    )
