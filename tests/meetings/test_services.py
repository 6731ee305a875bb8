"""Meetings: scheduling, replies with private needs, attendance, minutes in versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from meetings import services
from meetings.models import Attendance, Meeting, MinutesVersion, Reply
from participants.notifications.models import Notification
from tests.meetings.conftest import schedule

pytestmark = pytest.mark.django_db


def test_scheduling_invites_the_members_and_is_in_the_trail(
    meeting, project, lived_experience_member, manager
) -> None:
    assert meeting.agenda_items == ["Welcome", "What we heard", "Next steps"]
    invited = Notification.objects.filter(kind="meeting_invited")
    assert invited.count() == 3  # the three members, not the observer
    assert not invited.filter(recipient=manager).exists()
    note = invited.get(recipient=lived_experience_member)
    assert note.deadline == meeting.starts_at
    assert "Room 4" in note.body
    assert AuditEvent.objects.filter(action="meeting.scheduled", project_id=project.pk).exists()


def test_only_facilitators_schedule(project, lived_experience_member, manager) -> None:
    for person in (lived_experience_member, manager):
        with pytest.raises(RightsError):
            schedule(project, person)


@pytest.mark.parametrize(
    ("values", "message", "field"),
    [
        ({"place": "", "online_link": ""}, "a place, an online link", "place"),
        ({"online_link": "javascript:alert(1)"}, "https://", "online_link"),
        ({"hours": -1}, "end after it starts", "ends_at"),
        ({"arrangements": ["a lift"]}, "arrangements from the list", "arrangements"),
    ],
)
def test_rules_of_a_meeting(project, facilitator, values, message, field) -> None:
    """The rules live here only: each refusal names the form's field, where the page shows
    it (the meeting form holds no copy of them)."""
    with pytest.raises(RuleError, match=message) as refused:
        schedule(project, facilitator, **values)
    assert refused.value.field == field
    assert not Meeting.objects.exists()


def test_changes_and_cancellation_are_notified(meeting, facilitator) -> None:
    services.meeting_update(actor=facilitator, meeting=meeting, place="Room 5")
    assert Notification.objects.filter(kind="meeting_changed").count() == 3
    # Saving the same again changes nothing and tells nobody.
    services.meeting_update(actor=facilitator, meeting=meeting, place="Room 5")
    assert Notification.objects.filter(kind="meeting_changed").count() == 3
    services.meeting_cancel(actor=facilitator, meeting=meeting)
    assert Notification.objects.filter(key__startswith="meeting_cancelled").count() == 3
    with pytest.raises(RightsError):  # a cancelled meeting cannot change any more
        services.meeting_cancel(actor=facilitator, meeting=Meeting.objects.get(pk=meeting.pk))


def test_a_reply_keeps_needs_private_in_the_trail(meeting, lived_experience_member) -> None:
    services.meeting_reply(
        actor=lived_experience_member, meeting=meeting, coming="yes", needs="A taxi both ways"
    )
    reply = Reply.objects.get()
    assert (reply.coming, reply.needs) == ("yes", "A taxi both ways")
    told = AuditEvent.objects.filter(action="meeting.needs_told")
    assert told.count() == 1
    for event in AuditEvent.objects.all():
        assert "taxi" not in str(event.details).lower()
    # Replying again without a change to the needs does not say it again.
    services.meeting_reply(
        actor=lived_experience_member, meeting=meeting, coming="maybe", needs="A taxi both ways"
    )
    assert told.count() == 1
    assert Reply.objects.get().coming == "maybe"


def test_observers_and_facilitators_do_not_reply(meeting, manager, facilitator) -> None:
    for person in (manager, facilitator):
        with pytest.raises(RightsError):
            services.meeting_reply(actor=person, meeting=meeting, coming="yes")


def test_replies_close_when_the_meeting_starts(past_meeting, carer_member) -> None:
    with pytest.raises(RightsError):
        services.meeting_reply(actor=carer_member, meeting=past_meeting, coming="yes")


def test_attendance_only_after_it_starts_and_only_people_in_the_project(
    meeting, past_meeting, facilitator, carer_member, outsider
) -> None:
    with pytest.raises(RightsError):
        services.attendance_record(
            actor=facilitator, meeting=meeting, present={carer_member.pk: "online"}
        )
    with pytest.raises(RuleError, match="Only people in the project"):
        services.attendance_record(
            actor=facilitator, meeting=past_meeting, present={outsider.pk: "online"}
        )
    services.attendance_record(
        actor=facilitator, meeting=past_meeting, present={carer_member.pk: "online"}
    )
    services.attendance_record(
        actor=facilitator,
        meeting=past_meeting,
        present={carer_member.pk: "in_person", facilitator.pk: "in_person"},
    )
    assert sorted(Attendance.objects.values_list("user_id", "mode")) == sorted(
        [(carer_member.pk, "in_person"), (facilitator.pk, "in_person")]
    )


def test_minutes_keep_every_version_and_close_when_agreed(
    past_meeting, facilitator, lived_experience_member, manager
) -> None:
    services.minutes_write(actor=facilitator, meeting=past_meeting, text="We met.")
    services.minutes_comment(
        actor=lived_experience_member, meeting=past_meeting, body="Please add the taxi point."
    )
    with pytest.raises(RightsError):
        services.minutes_comment(actor=manager, meeting=past_meeting, body="Observer note")
    services.minutes_write(actor=facilitator, meeting=past_meeting, text="We met. Taxis agreed.")
    agreed = services.minutes_agree(actor=facilitator, meeting=past_meeting)
    versions = list(MinutesVersion.objects.order_by("number").values_list("number", "text"))
    assert versions == [(1, "We met."), (2, "We met. Taxis agreed.")]
    assert agreed.minutes_agreed.number == 2
    with pytest.raises(RightsError):
        services.minutes_write(actor=facilitator, meeting=agreed, text="Changed afterwards")
    with pytest.raises(RightsError):
        services.minutes_comment(actor=lived_experience_member, meeting=agreed, body="Late")
    # The database itself refuses to change or remove a version.
    with pytest.raises(DatabaseError), transaction.atomic():
        MinutesVersion.objects.filter(number=1).update(text="Rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        MinutesVersion.objects.filter(number=1).delete()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"meeting.minutes_written", "meeting.minutes_commented", "meeting.minutes_agreed"} <= (
        actions
    )


def test_a_meeting_links_the_stages_it_fed(past_meeting, facilitator, project) -> None:
    stages = list(project.stages.order_by("position")[:2])
    services.meeting_stages_link(actor=facilitator, meeting=past_meeting, stages=stages)
    assert set(past_meeting.fed_stages.all()) == set(stages)


def test_dates_stay_within_the_readable_years(project, facilitator) -> None:
    far = dt.datetime(1800, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(DatabaseError), transaction.atomic():
        Meeting.objects.create(
            project=project,
            title="t",
            purpose="p",
            starts_at=far,
            ends_at=far + dt.timedelta(hours=1),
            created_by=facilitator,
        )
    assert timezone.now()


def test_nothing_changes_in_the_meetings_of_a_finished_project(
    meeting, past_meeting, facilitator, lived_experience_member
) -> None:
    from projects.models import Project

    Project.objects.filter(pk=meeting.project_id).update(status=Project.Status.FINISHED)
    meeting = Meeting.objects.select_related("project").get(pk=meeting.pk)
    past_meeting = Meeting.objects.select_related("project").get(pk=past_meeting.pk)
    with pytest.raises(RightsError):
        services.meeting_cancel(actor=facilitator, meeting=meeting)
    with pytest.raises(RightsError):
        services.meeting_reply(actor=lived_experience_member, meeting=meeting, coming="yes")
    with pytest.raises(RightsError):
        services.attendance_record(
            actor=facilitator,
            meeting=past_meeting,
            present={lived_experience_member.pk: "in_person"},
        )
    with pytest.raises(RightsError):
        services.minutes_write(actor=facilitator, meeting=past_meeting, text="What we said.")
    assert not Attendance.objects.filter(meeting=past_meeting).exists()
    assert not MinutesVersion.objects.filter(meeting=past_meeting).exists()
