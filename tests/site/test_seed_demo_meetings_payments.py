"""`seed_demo` adds a held meeting with attendance and agreed minutes, one to come, a
payment policy whose meeting rate has two versions, the three payment choices, and
claims in each state; running it again adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from coproduce.site.management.commands.seed_demo import DEMO_PROJECT_TITLE
from meetings.models import Attendance, Meeting, MinutesVersion
from payments.models import Claim, PaymentChoice, Rate
from projects.models import Project

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_the_demo_has_meetings_and_payments() -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    project = Project.objects.get(title=DEMO_PROJECT_TITLE)
    meetings = Meeting.objects.filter(project=project)
    assert meetings.count() == 2
    held = meetings.order_by("starts_at").first()
    assert held.has_started
    assert held.minutes_agreed is not None
    assert MinutesVersion.objects.filter(meeting=held).count() == 2
    assert Attendance.objects.filter(meeting=held).count() == 4
    rates = Rate.objects.filter(activity__policy__project=project, activity__kind="meeting")
    assert rates.count() == 2
    assert sorted(PaymentChoice.objects.values_list("choice", flat=True)) == [
        "none",
        "payment",
        "voucher",
    ]
    assert set(Claim.objects.values_list("status", flat=True)) == {
        "submitted",
        "approved",
        "queried",
    }
