"""Who may do what with a project's meetings, and when: one predicate per action.
Nothing changes in a finished or archived project: its meetings are only read.

Rights come from the project's role groups (`projects.permissions.has_right`):
facilitators (configure) run meetings; members (take part) reply and comment on
minutes. What a member needs to take part is seen by the facilitators only: not by
observers, who oversee how the project is run and do not arrange anyone's support,
and never by other members.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from meetings.models import Meeting
from participants.models import User
from projects import permissions as project_permissions
from projects.models import Project, ProjectRight
from projects.permissions import has_right, is_active

Person = User | AnonymousUser


def can_see_meetings(user: Person, project: Project) -> bool:
    return has_right(user, project, ProjectRight.VIEW)


def can_schedule_meeting(user: Person, project: Project) -> bool:
    return is_active(project) and has_right(user, project, ProjectRight.CONFIGURE)


def can_change_meeting(user: Person, meeting: Meeting) -> bool:
    """Change or cancel: a facilitator, while the meeting is scheduled and not yet begun."""
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.CONFIGURE)
        and not meeting.is_cancelled
        and not meeting.has_started
    )


def can_reply(user: Person, meeting: Meeting) -> bool:
    """A member says whether they will come (and what they need) until it starts."""
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.TAKE_PART)
        and not meeting.is_cancelled
        and not meeting.has_started
    )


def can_see_needs(user: Person, project: Project) -> bool:
    return has_right(user, project, ProjectRight.CONFIGURE)


def can_see_attendance(user: Person, project: Project) -> bool:
    """Who replied and who came: those who run or oversee the project (facilitators,
    observers, sponsors), as they see who is in it; never other members."""
    return project_permissions.can_see_member_list(user, project)


def can_record_attendance(user: Person, meeting: Meeting) -> bool:
    """After it has begun, a facilitator records who came."""
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.CONFIGURE)
        and not meeting.is_cancelled
        and meeting.has_started
    )


def can_link_stages(user: Person, meeting: Meeting) -> bool:
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.CONFIGURE)
        and not meeting.is_cancelled
    )


def can_write_minutes(user: Person, meeting: Meeting) -> bool:
    """A facilitator writes minutes (each save a version) until they are agreed."""
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.CONFIGURE)
        and not meeting.is_cancelled
        and meeting.has_started
        and meeting.minutes_agreed_id is None
    )


def can_comment_on_minutes(user: Person, meeting: Meeting, has_minutes: bool) -> bool:
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.TAKE_PART)
        and has_minutes
        and meeting.minutes_agreed_id is None
    )


def can_agree_minutes(user: Person, meeting: Meeting, has_minutes: bool) -> bool:
    return (
        is_active(meeting.project)
        and has_right(user, meeting.project, ProjectRight.CONFIGURE)
        and has_minutes
        and meeting.minutes_agreed_id is None
    )
