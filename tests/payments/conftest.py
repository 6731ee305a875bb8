"""A payment policy for the shared project: meetings paid per hour, with two rates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from payments import services
from payments.models import Activity
from tests.meetings.conftest import meeting, past_meeting, schedule  # noqa: F401 (fixtures)

TODAY = dt.date.today


@pytest.fixture
def policy(project, facilitator):  # type: ignore[no-untyped-def]
    """From 60 days ago; meetings £25 an hour, £27.50 from 5 days ago; reviewing £30 a
    session; travel and care expenses paid."""
    today = timezone.localdate()
    made = services.policy_set(
        actor=facilitator,
        project=project,
        starts_on=today - dt.timedelta(days=60),
        travel_expenses=True,
        care_expenses=True,
    )
    meetings = services.activity_add(
        actor=facilitator,
        project=project,
        kind="meeting",
        name="Meetings and workshops",
        unit="hour",
        amount="25.00",
        effective_from=today - dt.timedelta(days=60),
    )
    services.rate_set(
        actor=facilitator,
        activity=meetings,
        amount="27.50",
        effective_from=today - dt.timedelta(days=5),
    )
    services.activity_add(
        actor=facilitator,
        project=project,
        kind="reviewing",
        name="Reviewing documents",
        unit="session",
        amount="30",
        effective_from=today - dt.timedelta(days=60),
    )
    return made


@pytest.fixture
def reviewing(policy) -> Activity:  # type: ignore[no-untyped-def]
    return Activity.objects.get(policy=policy, kind="reviewing")
