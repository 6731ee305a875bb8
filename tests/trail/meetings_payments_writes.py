"""The meetings' and payments' services for tests/trail/test_completeness.py: how to run
each write and the events it must record, and the reads. Kept beside it so that the
list of each app stays in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from meetings import services as meetings
from payments import services as payments

Run = Callable[[], object]


def _meeting(cast: Any, days: float = 7) -> Any:
    starts = timezone.now() + dt.timedelta(days=days)
    return meetings.meeting_schedule(
        actor=cast.facilitator,
        project=cast.project,
        title="Workshop",
        purpose="Talk",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="Room 4",
    )


def _past(cast: Any) -> Any:
    return _meeting(cast, days=-1)


def _with_minutes(cast: Any) -> Any:
    meeting = _past(cast)
    meetings.minutes_write(actor=cast.facilitator, meeting=meeting, text="We met.")
    return meeting


def _policy(cast: Any) -> Any:
    today = timezone.localdate()
    payments.policy_set(
        actor=cast.facilitator, project=cast.project, starts_on=today - dt.timedelta(days=30)
    )
    return payments.activity_add(
        actor=cast.facilitator,
        project=cast.project,
        kind="meeting",
        name="Meetings",
        unit="session",
        amount="30.00",
        effective_from=today - dt.timedelta(days=30),
    )


def _attended(cast: Any) -> Any:
    _policy(cast)
    meeting = _past(cast)
    meetings.attendance_record(
        actor=cast.facilitator, meeting=meeting, present={cast.member.pk: "online"}
    )
    return meeting


def _claim(cast: Any) -> Any:
    _policy(cast)
    return payments.claim_make(
        actor=cast.member,
        project=cast.project,
        kind="travel",
        amount="4.20",
        on=timezone.localdate(),
        description="Bus",
    )


WRITES: dict[str, tuple[Callable[[Any], Run], set[str]]] = {
    "meetings.services.meeting_schedule": (lambda c: lambda: _meeting(c), {"meeting.scheduled"}),
    "meetings.services.meeting_update": (
        lambda c: (
            lambda m=_meeting(c): meetings.meeting_update(
                actor=c.facilitator, meeting=m, place="Room 5"
            )
        ),
        {"meeting.changed"},
    ),
    "meetings.services.meeting_cancel": (
        lambda c: lambda m=_meeting(c): meetings.meeting_cancel(actor=c.facilitator, meeting=m),
        {"meeting.cancelled"},
    ),
    "meetings.services.meeting_reply": (
        lambda c: (
            lambda m=_meeting(c): meetings.meeting_reply(
                actor=c.member, meeting=m, coming="yes", needs="A quiet room"
            )
        ),
        {"meeting.replied", "meeting.needs_told"},
    ),
    "meetings.services.attendance_record": (
        lambda c: (
            lambda m=_past(c): meetings.attendance_record(
                actor=c.facilitator, meeting=m, present={c.member.pk: "in_person"}
            )
        ),
        {"meeting.attendance_recorded"},
    ),
    "meetings.services.meeting_stages_link": (
        lambda c: (
            lambda m=_past(c): meetings.meeting_stages_link(
                actor=c.facilitator, meeting=m, stages=list(c.project.stages.all()[:1])
            )
        ),
        {"meeting.stages_linked"},
    ),
    "meetings.services.minutes_write": (
        lambda c: (
            lambda m=_past(c): meetings.minutes_write(
                actor=c.facilitator, meeting=m, text="We met."
            )
        ),
        {"meeting.minutes_written"},
    ),
    "meetings.services.minutes_comment": (
        lambda c: (
            lambda m=_with_minutes(c): meetings.minutes_comment(
                actor=c.member, meeting=m, body="Add the date."
            )
        ),
        {"meeting.minutes_commented"},
    ),
    "meetings.services.minutes_agree": (
        lambda c: lambda m=_with_minutes(c): meetings.minutes_agree(actor=c.facilitator, meeting=m),
        {"meeting.minutes_agreed"},
    ),
    "payments.services.policy_set": (
        lambda c: (
            lambda: payments.policy_set(
                actor=c.facilitator, project=c.project, starts_on=dt.date(2026, 1, 1)
            )
        ),
        {"payments.policy_set"},
    ),
    "payments.services.activity_add": (lambda c: lambda: _policy(c), {"payments.activity_added"}),
    "payments.services.rate_set": (
        lambda c: (
            lambda a=_policy(c): payments.rate_set(
                actor=c.facilitator, activity=a, amount="33.00", effective_from=dt.date(2030, 1, 1)
            )
        ),
        {"payments.rate_set"},
    ),
    "payments.services.payment_choice_set": (
        lambda c: (
            lambda: payments.payment_choice_set(actor=c.member, project=c.project, choice="voucher")
        ),
        {"payments.choice_made"},
    ),
    "payments.services.claims_for_attendance": (
        lambda c: (
            lambda m=_attended(c): payments.claims_for_attendance(actor=c.facilitator, meeting=m)
        ),
        {"payments.attendance_claims_made"},
    ),
    "payments.services.attendance_record_with_claims": (
        lambda c: (
            lambda m=(_policy(c), _past(c))[1]: payments.attendance_record_with_claims(
                actor=c.facilitator, meeting=m, present={c.member.pk: "online"}
            )
        ),
        {"meeting.attendance_recorded", "payments.attendance_claims_made"},
    ),
    "payments.services.claim_make": (lambda c: lambda: _claim(c), {"payments.claim_made"}),
    "payments.services.claim_approve": (
        lambda c: (
            lambda k=_claim(c): payments.claim_approve(
                actor=c.facilitator, project=c.project, claim=k
            )
        ),
        {"payments.claim_approved"},
    ),
    "payments.services.claim_query": (
        lambda c: (
            lambda k=_claim(c): payments.claim_query(
                actor=c.facilitator, project=c.project, claim=k, reason="Which bus?"
            )
        ),
        {"payments.claim_queried"},
    ),
    "payments.services.claims_export": (
        lambda c: lambda: payments.claims_export(actor=c.facilitator, project=c.project),
        {"payments.claims_exported"},
    ),
}

READS = {
    "payments.services.meeting_day",
    "payments.services.money",
    "payments.services.rate_in_force",
    "payments.services.safe_cell",
    "payments.services.statement_csv",
}

UNAUDITED = {
    "meetings.services.replies_forget_needs": "part of erasing an account, recorded as "
    "account.erased",
}
