"""Meetings of the shared project: one coming up, one already held."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services
from meetings.models import Meeting


def schedule(project, facilitator, *, days: float = 7, hours: float = 2, **values):  # type: ignore[no-untyped-def]
    starts = timezone.now() + dt.timedelta(days=days)
    return services.meeting_schedule(
        actor=facilitator,
        project=project,
        title=values.pop("title", "Planning the night service"),
        purpose=values.pop("purpose", "Agree what to ask the night team."),
        agenda=values.pop("agenda", "Welcome\nWhat we heard\nNext steps"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        place=values.pop("place", "Room 4, Civic Centre, Leeds"),
        online_link=values.pop("online_link", "https://meet.example.org/night"),
        arrangements=values.pop("arrangements", ["step_free", "bsl"]),
        **values,
    )


@pytest.fixture
def meeting(project, facilitator) -> Meeting:  # type: ignore[no-untyped-def]
    return schedule(project, facilitator)


@pytest.fixture
def past_meeting(project, facilitator) -> Meeting:  # type: ignore[no-untyped-def]
    """Held two days ago, from 10:00 for two and a half hours (recorded afterwards)."""
    return schedule(project, facilitator, days=-2, hours=2.5, title="Listening workshop")
