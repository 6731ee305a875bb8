"""A meeting from invitation to payment: the facilitator schedules it, a member replies
with what they need, attendance is recorded after it, the claim appears and is approved,
and the member downloads their statement.

Keyboard only, with axe-core on every page visited. The member's tab runs without
JavaScript (every page must work without it).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from meetings.models import Meeting, Reply
from participants.models import User
from payments import services as payment_services
from payments.models import Claim
from projects.models import Project
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEEDS = "A seat near the door, and a break every hour"


def _type_moment(page: Page, label: str, moment: dt.datetime) -> None:
    """A date and time field, the keyboard way, as headless chromium lays it out (month,
    day, year, then hours, minutes and AM: the journey's times are in the morning)."""
    assert moment.hour < 12
    field = page.get_by_label(label, exact=True)
    tab_to(page, field)
    page.keyboard.type(moment.strftime("%m%d%Y"))
    page.keyboard.press("Tab")
    page.keyboard.type(moment.strftime("%I%M") + "A")
    expect(field).to_have_value(moment.strftime("%Y-%m-%dT%H:%M"))


def test_from_an_invitation_to_an_approved_claim_and_a_statement(
    page: Page,
    page_without_javascript: Page,
    live_server,
    project: Project,
    facilitator: User,
    lived_experience_member: User,
    password: str,
) -> None:
    base = live_server.url
    today = timezone.localdate()
    payment_services.policy_set(
        actor=facilitator, project=project, starts_on=today - dt.timedelta(days=30)
    )
    payment_services.activity_add(
        actor=facilitator,
        project=project,
        kind="meeting",
        name="Meetings and workshops",
        unit="session",
        amount="40.00",
        effective_from=today - dt.timedelta(days=30),
    )

    # The facilitator schedules a meeting for tomorrow.
    sign_in(page, base, facilitator.email, password, two_factor=True)
    page.goto(base + project.get_absolute_url())
    press(page, page.get_by_role("link", name="Meetings", exact=True))
    expect(heading(page)).to_have_text("Meetings")
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Schedule a meeting"))
    expect(heading(page)).to_have_text("Schedule a meeting")
    assert_accessible(page)
    type_into(page, page.get_by_label("Title"), "Listening workshop")
    type_into(page, page.get_by_label("What the meeting is for"), "Hear from callers.")
    starts = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    _type_moment(page, "Starts", starts)
    _type_moment(page, "Ends", starts + dt.timedelta(hours=1, minutes=30))
    type_into(page, page.get_by_label("Place (optional)"), "Room 4, Civic Centre")
    press(page, page.get_by_label("A quiet room"), " ")
    press(page, page.get_by_role("button", name="Schedule the meeting"))
    expect(heading(page)).to_have_text("Listening workshop")
    assert_accessible(page)
    meeting = Meeting.objects.get()
    assert meeting.arrangements == ["quiet_room"]

    # A member replies, saying privately what they need.
    member = page_without_javascript
    sign_in(member, base, lived_experience_member.email, password, two_factor=False)
    member.goto(base + meeting.get_absolute_url())
    expect(heading(member)).to_have_text("Listening workshop")
    assert_accessible(member)
    press(member, member.get_by_label("Yes, I will come"), " ")
    type_into(member, member.get_by_label("What do you need to take part? (optional)"), NEEDS)
    press(member, member.get_by_role("button", name="Send my reply"))
    expect(member.get_by_role("status")).to_contain_text("Your reply is saved")
    assert Reply.objects.get().needs == NEEDS

    # The facilitator sees it.
    page.reload()
    expect(page.get_by_role("table")).to_contain_text(NEEDS)

    # The day passes: the meeting has happened.
    held = timezone.now() - dt.timedelta(hours=3)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=held, ends_at=held + dt.timedelta(hours=2)
    )
    page.reload()
    press(page, page.get_by_role("link", name="Record who came"))
    expect(heading(page)).to_have_text("Who came")
    assert_accessible(page)
    group = page.get_by_role("group", name=str(lived_experience_member))
    tab_to(page, group.get_by_label("Did not come"))  # Tab reaches the chosen radio
    page.keyboard.press("ArrowDown")  # and the arrows move the choice: "In person"
    expect(group.get_by_label("In person")).to_be_checked()
    press(page, page.get_by_role("button", name="Save who came"))
    expect(page.get_by_role("status")).to_contain_text("Claims made for members who came: 1")
    claim = Claim.objects.get()
    assert claim.amount == 40

    # The facilitator approves the claim.
    page.goto(base + reverse("payments:claims", kwargs={"project_id": project.pk}))
    expect(heading(page)).to_have_text("Claims to review")
    assert_accessible(page)
    press(page, page.get_by_role("link", name=re.compile("^Waiting for a facilitator")))
    expect(heading(page)).to_have_text("Review a claim")
    assert_accessible(page)
    press(page, page.get_by_label("Approve it"), " ")
    press(page, page.get_by_role("button", name="Save and tell the member"))
    expect(heading(page)).to_have_text("Claims to review")
    claim.refresh_from_db()
    assert claim.status == "approved"

    # The member sees it approved and downloads their statement.
    member.goto(base + reverse("payments:overview", kwargs={"project_id": project.pk}))
    assert_accessible(member)
    press(member, member.get_by_role("link", name="Your claims and payments"))
    expect(heading(member)).to_have_text("Your claims and payments")
    assert_accessible(member)
    expect(member.get_by_role("table").first).to_contain_text("£40.00")
    link = member.get_by_role("link", name=re.compile("Download your statement"))
    tab_to(member, link)
    with member.expect_download() as download_info:
        member.keyboard.press("Enter")
    with open(download_info.value.path(), encoding="utf-8") as file:
        statement = file.read()
    assert "40.00" in statement
    assert "Approved" in statement
