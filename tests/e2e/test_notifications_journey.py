"""A member reads their news, chooses a daily email for replies, and stops one kind of
email from a link in it without signing in.

Keyboard only; every page visited must pass axe-core.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from decisions import services
from participants.models import User
from participants.notifications.models import Delivery, Kind, NotificationPreference
from projects import services as project_services
from projects.models import Project
from tests.conftest import wait_for
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading as _heading
from tests.e2e.keyboard import press, sign_in, sign_out, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choice(user: User, kind: str) -> str:
    chosen = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return chosen.delivery if chosen else Delivery.IMMEDIATE


def test_a_member_reads_the_news_chooses_emails_and_stops_one_kind_without_signing_in(
    page: Page,
    live_server,
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    password: str,
    celery_worker,
) -> None:
    mail.outbox.clear()
    stage = project.stages.get(position=1)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    proposal = services.proposal_create(
        actor=carer_member, stage=stage, title="A quiet room", body="Somewhere calm to wait."
    )
    services.comment_create(actor=clinician_member, proposal=proposal, body="Yes, please.")
    stage_email = wait_for(
        lambda: next(
            (m for m in mail.outbox if m.to == [carer_member.email] and "stage" in m.subject),
            None,
        )
    )

    sign_in(page, live_server.url, carer_member.email, password, two_factor=False)
    expect(_heading(page)).to_have_text("Your projects")
    press(page, page.get_by_role("link", name="You have 2 new notifications"))
    expect(_heading(page)).to_have_text("Notifications")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Someone commented on your proposal")
    expect(main).to_contain_text("A new stage has opened")
    expect(main).not_to_contain_text("Yes, please.")  # nor who wrote it
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Mark all as read"))
    expect(page.get_by_role("status")).to_contain_text("All your notifications are marked as read.")
    assert_accessible(page)

    press(page, page.get_by_role("link", name="Choose which emails you get"))
    expect(_heading(page)).to_have_text("Emails you get")
    assert_accessible(page)
    replies = page.get_by_role("group", name="Someone replies to your proposal or comment")
    tab_to(page, replies.get_by_label("Email me right away"))  # Tab reaches the chosen radio
    page.keyboard.press("ArrowDown")  # arrows move the choice within the group
    expect(replies.get_by_label("One email a day with everything")).to_be_checked()
    press(page, page.get_by_role("button", name="Save your email choices"))
    expect(page.get_by_role("status")).to_contain_text("Your email choices have been saved.")
    assert_accessible(page)
    assert _choice(carer_member, Kind.REPLY) == Delivery.DIGEST
    sign_out(page)

    # Signed out, from the link at the foot of the "stage opened" email.
    link = re.search(r"https?://[^/\s]+(/\S*unsubscribe/\S+/)", stage_email.body).group(1)
    page.goto(live_server.url + link)
    expect(_heading(page)).to_have_text("Stop these emails")
    expect(page.get_by_role("main")).to_contain_text("A stage of a project opens")
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Stop these emails"))
    expect(_heading(page)).to_have_text("You will not get these emails")
    assert_accessible(page)
    assert _choice(carer_member, Kind.STAGE_OPENED) == Delivery.OFF
    assert _choice(carer_member, Kind.REPLY) == Delivery.DIGEST  # only that kind
