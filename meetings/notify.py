"""What meetings tell people: an invitation, a change, a cancellation.

Called by the services inside their transaction; participants' `notify` writes each
notification once per key and emails after commit (as each person chose). The time
is shown in each person's own time zone (the notification's deadline).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from meetings.models import Meeting
from participants.models import User
from participants.notifications.models import Kind
from participants.notifications.services import notify
from projects.models import Membership, Role


def invited_people(meeting: Meeting) -> list[User]:
    """The project's current members: those a meeting is for."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            project_id=meeting.project_id, role=Role.MEMBER, left_at__isnull=True
        ).select_related("user")
    ]


def _where(meeting: Meeting) -> str:
    parts = []
    if meeting.place:
        parts.append(_("Place: %(place)s") % {"place": meeting.place})
    if meeting.online_link:
        parts.append(_("Online: %(link)s") % {"link": meeting.online_link})
    return "\n".join(parts)


def meeting_invited_notify(*, meeting: Meeting) -> None:
    notify(
        recipients=invited_people(meeting),
        kind=Kind.MEETING_INVITED,
        key=f"meeting_invited:{meeting.pk}",
        subject=_("You are invited to a meeting: %(title)s") % {"title": meeting.title},
        body=_(
            'The facilitators of "%(project)s" invite you to a meeting, "%(title)s".\n%(where)s\n\n'
            "Please say whether you can come, and tell the facilitators privately if you "
            "need anything to take part."
        )
        % {"project": meeting.project.title, "title": meeting.title, "where": _where(meeting)},
        link=meeting.get_absolute_url(),
        deadline=meeting.starts_at,
    )


def meeting_changed_notify(*, meeting: Meeting, change: str) -> None:
    notify(
        recipients=invited_people(meeting),
        kind=Kind.MEETING_CHANGED,
        key=f"meeting_changed:{meeting.pk}:{change}",
        subject=_("A meeting has changed: %(title)s") % {"title": meeting.title},
        body=_(
            'The details of the meeting "%(title)s" have changed. Please check the time '
            "and place.\n%(where)s"
        )
        % {"title": meeting.title, "where": _where(meeting)},
        link=meeting.get_absolute_url(),
        deadline=meeting.starts_at,
    )


def meeting_cancelled_notify(*, meeting: Meeting) -> None:
    notify(
        recipients=invited_people(meeting),
        kind=Kind.MEETING_CHANGED,
        key=f"meeting_cancelled:{meeting.pk}",
        subject=_("A meeting is cancelled: %(title)s") % {"title": meeting.title},
        body=_('The meeting "%(title)s" of the project "%(project)s" is cancelled.')
        % {"title": meeting.title, "project": meeting.project.title},
        link=meeting.get_absolute_url(),
        deadline=meeting.starts_at,
    )
