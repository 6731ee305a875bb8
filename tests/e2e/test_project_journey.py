"""A facilitator starts a project and invites a clinician and a service user, who join.

Keyboard only: every field is reached with Tab and filled by typing, every link and
button is pressed with Enter or Space. Every page visited must pass axe-core.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from participants.models import User
from projects.models import Membership, Project
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading as _heading
from tests.e2e.keyboard import press, sign_in, sign_out, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _invitation_link(email: str, live_server_url: str) -> str:
    # Sent as the invitation was saved (the tests run background tasks at once).
    message = next(m for m in mail.outbox if m.to == [email])
    path = re.search(r"https?://[^/\s]+(/projects/invitations/\S+/)", message.body).group(1)
    return live_server_url + path


def test_a_facilitator_creates_a_project_and_invites_people_who_join(
    page: Page,
    live_server,
    facilitator: User,
    clinician_member: User,
    password: str,
) -> None:
    mail.outbox.clear()
    # The facilitator signs in with a password and a code from their authenticator app.
    sign_in(page, live_server.url, "facilitator@example.org", password, two_factor=True)
    expect(_heading(page)).to_have_text("Your projects")
    assert_accessible(page)

    press(page, page.get_by_role("button", name="Start a new project"))
    expect(_heading(page)).to_have_text("Start a new project")
    assert_accessible(page)
    type_into(page, page.get_by_label("Project name"), "Kinder discharge from hospital")
    type_into(page, page.get_by_label("What the project is for"), "Leaving hospital feels safe.")
    type_into(page, page.get_by_label("Ground rules"), "We listen to each other.")
    press(page, page.get_by_role("button", name="Create the project"))
    expect(_heading(page)).to_have_text("Kinder discharge from hospital")
    expect(page.get_by_role("status")).to_contain_text("five standard stages")
    expect(page.get_by_role("main")).to_contain_text("What should change?")
    assert_accessible(page)
    project = Project.objects.get(title="Kinder discharge from hospital")

    for email, group in (("clinician@example.org", "Clinician"), ("newcomer@example.org", None)):
        press(page, page.get_by_role("link", name="Invite someone"))
        expect(_heading(page)).to_have_text("Invite someone")
        assert_accessible(page)
        type_into(page, page.get_by_label("Their email address"), email)
        if group:
            suggested = page.get_by_label("Suggested group (members only, optional)")
            tab_to(page, suggested)
            suggested.select_option(label=group)  # a native select: arrow keys choose
        press(page, page.get_by_role("button", name="Send the invitation"))
        expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {email}.")
        expect(_heading(page)).to_have_text("People and invitations")
        assert_accessible(page)
        press(page, page.get_by_role("link", name="Kinder discharge from hospital"))

    # Reminders before the priority vote closes: a muddled entry is explained and kept.
    press(page, page.get_by_role("link", name="What matters most?"))
    press(page, page.get_by_role("link", name="Change this stage"))
    expect(_heading(page)).to_have_text("Change this stage")
    reminders = page.get_by_label("Remind members who have not voted yet")
    expect(reminders).to_have_value("48, 24")
    type_into(page, reminders, "three days, 24")
    press(page, page.get_by_role("button", name="Save the stage"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Write whole numbers of hours separated by commas")
    expect(page.get_by_label("Remind members who have not voted yet")).to_have_value(
        "three days, 24"
    )
    assert_accessible(page)
    type_into(page, page.get_by_label("Remind members who have not voted yet"), "72, 24")
    press(page, page.get_by_role("button", name="Save the stage"))
    # The stage has no closing time yet, and the page says so rather than promise reminders.
    expect(page.get_by_role("main")).to_contain_text(
        "Reminders to vote are sent only when the stage has a closing time."
    )
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Change this stage"))
    expect(page.get_by_label("Remind members who have not voted yet")).to_have_value("72, 24")
    press(page, page.get_by_role("link", name="Back"))
    sign_out(page)

    # The clinician already has an account: the invitation comes as one of their
    # notifications, and its link leads through signing in to joining.
    notice = next(m for m in mail.outbox if m.to == [clinician_member.email])
    assert notice.subject.endswith('You are invited to join "Kinder discharge from hospital"')
    page.goto(_invitation_link("clinician@example.org", live_server.url))
    expect(_heading(page)).to_have_text("Sign in")
    assert_accessible(page)
    type_into(page, page.get_by_label("Email"), "clinician@example.org")
    type_into(page, page.get_by_label("Password", exact=True), password)
    page.keyboard.press("Enter")
    expect(_heading(page)).to_have_text("Join Kinder discharge from hospital")
    # It also waits on their home page, from where they can come back to it.
    press(page, page.get_by_role("link", name="Your projects").first)
    expect(page.get_by_role("heading", name="Invitations for you")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Warm Lark invited you as a member.")
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Join Kinder discharge from hospital"))
    expect(_heading(page)).to_have_text("Join Kinder discharge from hospital")
    expect(page.get_by_label("Clinician")).to_be_checked()
    assert_accessible(page)
    press(page, page.get_by_label("I have read the ground rules and I accept them"), "Space")
    press(page, page.get_by_role("button", name="Join the project"))
    expect(_heading(page)).to_have_text("Kinder discharge from hospital")
    expect(page.get_by_role("status")).to_contain_text("Welcome to Kinder discharge from hospital.")
    assert_accessible(page)
    sign_out(page)

    # The service user is new: they create an account from the link, then join.
    page.goto(_invitation_link("newcomer@example.org", live_server.url))
    expect(_heading(page)).to_have_text("Join Kinder discharge from hospital")
    press(page, page.get_by_role("link", name="Create an account"))
    expect(_heading(page)).to_have_text("Create an account")
    assert_accessible(page)
    type_into(page, page.get_by_label("Email"), "newcomer@example.org")
    type_into(page, page.get_by_label("Password", exact=True), "a fine long passphrase")
    type_into(page, page.get_by_label("Password (again)"), "a fine long passphrase")
    type_into(page, page.get_by_label("Display name (optional)"), "Kind Otter")
    press(page, page.get_by_role("button", name="Create account"))
    expect(_heading(page)).to_have_text("Join Kinder discharge from hospital")
    assert_accessible(page)
    # Joining without accepting the ground rules is refused kindly, keeping the choice.
    lived = page.get_by_label("Lived experience of mental illness")
    press(page, lived, "Space")
    press(page, page.get_by_role("button", name="Join the project"))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("To join, tick the box to accept the ground rules.")
    expect(page.get_by_label("Lived experience of mental illness")).to_be_checked()
    assert_accessible(page)
    press(page, page.get_by_label("I have read the ground rules and I accept them"), "Space")
    press(page, page.get_by_role("button", name="Join the project"))
    expect(_heading(page)).to_have_text("Kinder discharge from hospital")
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Your projects").first)
    expect(page.get_by_role("main")).to_contain_text("Kinder discharge from hospital")
    assert_accessible(page)

    joined = dict(
        Membership.objects.filter(project=project, role="member").values_list(
            "user__email", "constituency"
        )
    )
    assert joined == {
        "clinician@example.org": "clinician",
        "newcomer@example.org": "lived_experience",
    }
