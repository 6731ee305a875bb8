"""Every write about meetings: one transaction each, audited, notifications after commit.

What a member needs to take part never goes in the trail: only that they told the
facilitators (`meeting.needs_told`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from meetings import notify as meetings_notify
from meetings import permissions
from meetings.models import Arrangement, Attendance, Meeting, MinutesComment, MinutesVersion, Reply
from participants.models import User
from projects.models import Membership, Project, Stage

__all__ = [
    "attendance_record",
    "meeting_cancel",
    "meeting_reply",
    "meeting_schedule",
    "meeting_stages_link",
    "meeting_update",
    "minutes_agree",
    "minutes_comment",
    "minutes_write",
    "replies_forget_needs",
]

EDITABLE = (
    "title",
    "purpose",
    "agenda",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "arrangements",
    "arrangements_other",
    "stage",
)


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def _check(values: Mapping[str, Any], project: Project) -> None:
    """A meeting's rules, each refusal naming the field of the meeting form it is about (the
    form shows it there: the rules are here only)."""
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is None or ends is None or ends <= starts:
        raise RuleError("The meeting must end after it starts.", field="ends_at")
    if not (values.get("place") or "").strip() and not (values.get("online_link") or "").strip():
        raise RuleError(
            "Say where the meeting is: a place, an online link, or both.", field="place"
        )
    link = values.get("online_link") or ""
    if link and not link.lower().startswith(("https://", "http://")):
        raise RuleError(
            "Enter a web link that starts with https:// (or http://).", field="online_link"
        )
    unknown = set(values.get("arrangements") or ()) - set(Arrangement.values)
    if unknown:
        raise RuleError("Choose the arrangements from the list.", field="arrangements")
    stage = values.get("stage")
    if stage is not None and stage.project_id != project.pk:
        raise RuleError("Choose a stage of this project.", field="stage")


def _locked(meeting: Meeting) -> Meeting:
    locked = (
        Meeting.objects.select_for_update(of=("self",)).select_related("project").get(pk=meeting.pk)
    )
    return locked


def meeting_schedule(
    *,
    actor: User,
    project: Project,
    title: str,
    purpose: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: str = "",
    place: str = "",
    online_link: str = "",
    arrangements: Iterable[str] = (),
    arrangements_other: str = "",
    stage: Stage | None = None,
) -> Meeting:
    """Schedule a meeting and invite the project's members (a meeting already past,
    recorded afterwards, invites nobody)."""
    _deny(permissions.can_schedule_meeting(actor, project))
    values = {
        "title": title,
        "purpose": purpose,
        "agenda": agenda,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "online_link": online_link,
        "arrangements": sorted(set(arrangements)),
        "arrangements_other": arrangements_other,
        "stage": stage,
    }
    _check(values, project)
    with transaction.atomic():
        meeting = Meeting.objects.create(project=project, created_by=actor, **values)
        meeting.project = project
        record(
            action="meeting.scheduled",
            actor=actor,
            project_id=project.pk,
            target=meeting,
            details={"stage": str(stage.pk) if stage else None, "starts_at": starts_at},
        )
        if starts_at > timezone.now():
            meetings_notify.meeting_invited_notify(meeting=meeting)
    return meeting


def meeting_update(*, actor: User, meeting: Meeting, **values: Any) -> Meeting:
    """Change a meeting before it starts; the members are told what changed."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)} here.")
    _deny(permissions.can_change_meeting(actor, meeting))
    with transaction.atomic():
        locked = _locked(meeting)
        if not permissions.can_change_meeting(actor, locked):
            raise RuleError("This meeting has started or is cancelled, so it cannot change.")
        if "arrangements" in values:
            values["arrangements"] = sorted(set(values["arrangements"]))
        merged = {name: values.get(name, getattr(locked, name)) for name in EDITABLE}
        _check(merged, locked.project)
        changed = sorted(name for name in values if getattr(locked, name) != values[name])
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, values[name])
        locked.sequence += 1
        locked.save(update_fields=[*changed, "sequence"])
        record(
            action="meeting.changed",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"changed": changed},
        )
        meetings_notify.meeting_changed_notify(
            meeting=locked, change=str(int(timezone.now().timestamp() * 1000))
        )
    return locked


def meeting_cancel(*, actor: User, meeting: Meeting) -> Meeting:
    _deny(permissions.can_change_meeting(actor, meeting))
    with transaction.atomic():
        locked = _locked(meeting)
        if not permissions.can_change_meeting(actor, locked):
            raise RuleError("This meeting has started or is already cancelled.")
        locked.status = Meeting.Status.CANCELLED
        locked.sequence += 1
        locked.save(update_fields=["status", "sequence"])
        record(action="meeting.cancelled", actor=actor, project_id=locked.project_id, target=locked)
        meetings_notify.meeting_cancelled_notify(meeting=locked)
    return locked


def meeting_reply(*, actor: User, meeting: Meeting, coming: str, needs: str = "") -> Reply:
    """A member says whether they will come and, privately, what they need.

    The trail says that they replied and, when they told the facilitators something
    new about what they need, that they did: never what.
    """
    _deny(permissions.can_reply(actor, meeting))
    if coming not in Reply.Coming.values:
        raise RuleError("Say whether you will come.")
    needs = needs.strip()
    with transaction.atomic():
        locked = _locked(meeting)
        if not permissions.can_reply(actor, locked):
            raise RuleError("This meeting has started or is cancelled, so replies are closed.")
        reply, created = Reply.objects.select_for_update().get_or_create(
            meeting=locked, user=actor, defaults={"coming": coming, "needs": needs}
        )
        needs_changed = (created and bool(needs)) or (not created and reply.needs != needs)
        if not created:
            reply.coming, reply.needs, reply.updated_at = coming, needs, timezone.now()
            reply.save(update_fields=["coming", "needs", "updated_at"])
        record(
            action="meeting.replied",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"coming": coming},
        )
        if needs_changed and needs:
            record(action="meeting.needs_told", actor=actor, project_id=locked.project_id)
    return reply


def attendance_record(
    *, actor: User, meeting: Meeting, present: Mapping[int, str]
) -> list[Attendance]:
    """Record who came ({user id: "in_person" or "online"}), replacing the last record.

    Only people in the project can be recorded. Someone whose attendance has a claim
    already cannot be taken off (query the claim instead).
    """
    _deny(permissions.can_record_attendance(actor, meeting))
    if any(mode not in Attendance.Mode.values for mode in present.values()):
        raise RuleError("Say for each person whether they came in person or online.")
    with transaction.atomic():
        locked = _locked(meeting)
        if not permissions.can_record_attendance(actor, locked):
            raise RuleError("Attendance can be recorded once the meeting has started.")
        in_project = set(
            Membership.objects.filter(
                project_id=locked.project_id, left_at__isnull=True
            ).values_list("user_id", flat=True)
        )
        if set(present) - in_project:
            raise RuleError("Only people in the project can be recorded as there.")
        existing = {row.user_id: row for row in locked.attendances.select_for_update()}
        # The list shows the people in the project now: someone who came and has since
        # left is not on it, and keeps their attendance (and any claim it made).
        gone = [
            row
            for user_id, row in existing.items()
            if user_id not in present and user_id in in_project
        ]
        try:
            with transaction.atomic():
                for row in gone:
                    row.delete()
        except ProtectedError:
            raise RuleError(
                "Someone you took off the list has already claimed for this meeting. Keep "
                "them on the list, and query their claim if it is wrong."
            ) from None
        for user_id, mode in present.items():
            row = existing.get(user_id)
            if row is None:
                Attendance.objects.create(
                    meeting=locked, user_id=user_id, mode=mode, recorded_by=actor
                )
            elif row.mode != mode:
                row.mode, row.recorded_by, row.recorded_at = mode, actor, timezone.now()
                row.save(update_fields=["mode", "recorded_by", "recorded_at"])
        record(
            action="meeting.attendance_recorded",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"came": len(present)},
        )
    return list(locked.attendances.order_by("pk"))


def meeting_stages_link(*, actor: User, meeting: Meeting, stages: Iterable[Stage]) -> Meeting:
    """Say which stages (and so their decisions) the meeting fed."""
    _deny(permissions.can_link_stages(actor, meeting))
    stages = list(stages)
    if any(stage.project_id != meeting.project_id for stage in stages):
        raise RuleError("Choose stages of this project.")
    with transaction.atomic():
        locked = _locked(meeting)
        locked.fed_stages.set(stages)
        record(
            action="meeting.stages_linked",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"stages": [str(stage.pk) for stage in stages]},
        )
    return locked


def minutes_write(*, actor: User, meeting: Meeting, text: str) -> MinutesVersion:
    """Save the minutes as a new version (earlier versions stay as they were)."""
    _deny(permissions.can_write_minutes(actor, meeting))
    if not text.strip():
        raise RuleError("Write the minutes before saving them.")
    with transaction.atomic():
        locked = _locked(meeting)
        if not permissions.can_write_minutes(actor, locked):
            raise RuleError("These minutes are agreed, so they can no longer change.")
        last = locked.minutes.aggregate(last=Max("number"))["last"] or 0
        version = MinutesVersion.objects.create(
            meeting=locked, number=last + 1, text=text, written_by=actor
        )
        record(
            action="meeting.minutes_written",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"version": version.number},
        )
    return version


def minutes_comment(*, actor: User, meeting: Meeting, body: str) -> MinutesComment:
    """A member comments on the latest version of the minutes, before they are agreed."""
    latest = meeting.minutes.order_by("-number").first()
    _deny(permissions.can_comment_on_minutes(actor, meeting, latest is not None))
    if not body.strip():
        raise RuleError("Write your comment before sending it.")
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.minutes_agreed_id is not None:
            raise RuleError("These minutes are agreed, so comments are closed.")
        # Read again holding the meeting: a version saved meanwhile is the one commented on.
        latest = locked.minutes.order_by("-number").first()
        comment = MinutesComment.objects.create(version=latest, author=actor, body=body)
        record(
            action="meeting.minutes_commented",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"version": latest.number},
        )
    return comment


def minutes_agree(*, actor: User, meeting: Meeting) -> Meeting:
    """Mark the latest version of the minutes as agreed: no more versions or comments."""
    latest = meeting.minutes.order_by("-number").first()
    _deny(permissions.can_agree_minutes(actor, meeting, latest is not None))
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.minutes_agreed_id is not None:
            raise RuleError("These minutes are already agreed.")
        latest = locked.minutes.order_by("-number").first()
        locked.minutes_agreed = latest
        locked.save(update_fields=["minutes_agreed"])
        record(
            action="meeting.minutes_agreed",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"version": latest.number},
        )
    return locked


def replies_forget_needs(*, person: User) -> int:
    """Remove what an erased person told facilitators they need (part of erasing an
    account, recorded there as account.erased). Returns how many replies changed."""
    return Reply.objects.filter(user=person).exclude(needs="").update(needs="")
