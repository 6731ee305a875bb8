"""The demo's meetings (called from `seed_demo`): one held ten days ago, with replies,
attendance, minutes in two versions (a member's comment between them, then agreed),
and one coming up next week. Made through the services, so the trail has them too.
Safe to run again: a project that has meetings already is left as it is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from projects.models import Membership, Project, Role

HELD_TITLE = "Listening workshop: nights on the crisis line"


def _people(project: Project) -> tuple[object, list]:  # type: ignore[type-arg]
    memberships = Membership.objects.filter(project=project, left_at__isnull=True).select_related(
        "user"
    )
    facilitator = next(m.user for m in memberships if m.role == Role.FACILITATOR)
    order = {"lived_experience": 0, "carer": 1, "clinician": 2}
    members = sorted(
        (m for m in memberships if m.role == Role.MEMBER),
        key=lambda m: (order.get(m.constituency, 9), m.user.email),
    )
    return facilitator, [m.user for m in members]


def add_demo_meetings(project: Project) -> Meeting | None:
    """Return the meeting held (its attendance feeds the payments demo)."""
    if Meeting.objects.filter(project=project).exists():
        return Meeting.objects.filter(project=project, title=HELD_TITLE).first()
    facilitator, members = _people(project)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    coming = start + dt.timedelta(days=7)
    upcoming = services.meeting_schedule(
        actor=facilitator,
        project=project,
        title="Co-design session: the call-back promise",
        purpose="Work out together what a call-back promise at night should say.",
        agenda="Welcome and ground rules\nWhat callers told us\nDrafting the promise\nBreak\n"
        "Agreeing next steps",
        starts_at=coming,
        ends_at=coming + dt.timedelta(hours=2, minutes=30),
        place="Room 4, Civic Centre, Leeds LS1 1UR",
        online_link="https://meet.example.org/call-back-promise",
        arrangements=["step_free", "bsl", "breaks", "quiet_room"],
        stage=project.stages.order_by("position").first(),
    )
    lived, carer = members[0], members[1]
    services.meeting_reply(
        actor=lived,
        meeting=upcoming,
        coming="yes",
        needs="A taxi both ways, and a seat by the door.",
    )
    services.meeting_reply(actor=carer, meeting=upcoming, coming="maybe")

    held_start = start - dt.timedelta(days=10)
    held = services.meeting_schedule(
        actor=facilitator,
        project=project,
        title=HELD_TITLE,
        purpose="Hear what happens when people call at night, from callers, carers and staff.",
        agenda="Welcome\nStories from the night\nWhat matters most\nNext steps",
        starts_at=held_start,
        ends_at=held_start + dt.timedelta(hours=2, minutes=30),
        place="Carers' Centre, 12 Park Row, Leeds",
        arrangements=["step_free", "breaks"],
    )
    modes = ["in_person", "online", "in_person"]
    present = {person.pk: modes[n % 3] for n, person in enumerate(members)}
    present[facilitator.pk] = "in_person"
    services.attendance_record(actor=facilitator, meeting=held, present=present)
    services.minutes_write(
        actor=facilitator,
        meeting=held,
        text="We heard eight stories from the night.\nWhat matters most: being called back, "
        "and knowing the name of the person who answers.",
    )
    services.minutes_comment(
        actor=lived, meeting=held, body="Please add that waiting on hold is the worst part."
    )
    services.minutes_write(
        actor=facilitator,
        meeting=held,
        text="We heard eight stories from the night.\nWhat matters most: being called back, "
        "knowing the name of the person who answers, and not waiting on hold.",
    )
    services.minutes_agree(actor=facilitator, meeting=held)
    services.meeting_stages_link(
        actor=facilitator, meeting=held, stages=list(project.stages.order_by("position")[:1])
    )
    return held
