"""Reads about meetings, filtered by what the person may see."""

from __future__ import annotations

from collections import Counter

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from meetings.models import Attendance, Meeting, MinutesComment, MinutesVersion, Reply
from participants.models import User
from projects.models import Membership, Project
from projects.selectors import ProjectAccess, parse_uuid


def meetings_of(project: Project) -> QuerySet[Meeting]:
    return Meeting.objects.filter(project=project).select_related("stage").order_by("-starts_at")


def meeting_for(access: ProjectAccess, meeting_id: object) -> Meeting:
    """The project's meeting, or 404 (a meeting of another project is not found here)."""
    meeting = (
        Meeting.objects.filter(project=access.project, pk=parse_uuid(meeting_id))
        .select_related("stage", "minutes_agreed")
        .first()
    )
    if meeting is None:
        raise Http404
    meeting.project = access.project
    return meeting


def own_reply(meeting: Meeting, user: User) -> Reply | None:
    return Reply.objects.filter(meeting=meeting, user=user).first()


def replies_with_needs(meeting: Meeting) -> list[Reply]:
    """Every reply with what each person needs: for the facilitators only."""
    return list(meeting.replies.select_related("user").order_by("coming", "user__display_name"))


def reply_counts(meeting: Meeting) -> dict[str, int]:
    return dict(Counter(meeting.replies.values_list("coming", flat=True)))


def own_attendance(meeting: Meeting, user: User) -> Attendance | None:
    return Attendance.objects.filter(meeting=meeting, user=user).first()


def attendance_of(meeting: Meeting) -> list[Attendance]:
    return list(meeting.attendances.select_related("user").order_by("user__display_name"))


def people_in(project: Project) -> list[User]:
    """Everyone currently in the project, members first, by name."""
    memberships = (
        Membership.objects.filter(project=project, left_at__isnull=True)
        .select_related("user")
        .order_by("role", "user__display_name")
    )
    return [membership.user for membership in memberships]


def minutes_of(meeting: Meeting) -> list[MinutesVersion]:
    """Every version of the minutes, newest first, each with its comments and authors."""
    return list(
        meeting.minutes.select_related("written_by").prefetch_related(
            Prefetch("comments", queryset=MinutesComment.objects.select_related("author"))
        )
    )
