"""Signing in, changing your details and signing out, in a real browser, on a phone-sized screen.

Every page visited must pass axe-core and fit the screen (see `assert_accessible`).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from participants.models import User
from tests.conftest import code_from_email, wait_for
from tests.e2e.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in_with_password(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in with password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your projects")


def _go_to(page: Page, menu_item: str) -> None:
    """Follow a link in the header menu; on a phone the NHS script tucks some under "More"."""
    menu = page.get_by_role("navigation", name="Menu")
    more = menu.get_by_role("button", name=re.compile("More"))
    link = menu.get_by_role("link", name=menu_item).filter(visible=True)
    if not link.count() and more.is_visible():
        more.click()
    link.click()


def test_a_member_signs_in_with_a_code_sent_by_email(
    page: Page, live_server, lived_experience_member: User, celery_worker
) -> None:
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Work together on a mental health service"
    )
    assert_accessible(page)
    screenshot(page, "home-signed-out-320")

    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Sign in \N{EN DASH} "))
    assert_accessible(page)
    screenshot(page, "sign-in-320")

    page.get_by_role("button", name="Send me a sign-in code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a sign-in code")
    assert_accessible(page)

    mail.outbox.clear()
    page.get_by_label("Email").fill("lived@example.org")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    expect(page.get_by_role("main")).to_contain_text("We have sent a code to lived@example.org.")
    assert_accessible(page)

    # The email is sent by the Celery worker once the request's data is saved.
    message = wait_for(lambda: mail.outbox and mail.outbox[-1], timeout=10)
    assert message.to == ["lived@example.org"]
    assert "If you did not ask for it, you can ignore this email." in message.body
    page.get_by_label("Code").fill(code_from_email(message))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your projects")
    expect(page.get_by_role("main")).to_contain_text("Hello, Quiet Heron.")
    expect(page.get_by_role("main")).to_contain_text("You are not in any projects yet.")
    expect(page.get_by_role("banner")).to_contain_text("Quiet Heron")
    assert_accessible(page)
    screenshot(page, "your-projects-320")


def test_a_wrong_code_is_refused_kindly(
    page: Page, live_server, lived_experience_member: User, celery_worker
) -> None:
    page.goto(live_server.url + reverse("account_request_login_code"))
    mail.outbox.clear()
    page.get_by_label("Email").fill("lived@example.org")
    page.get_by_role("button", name="Send me a code").click()
    wait_for(lambda: mail.outbox, timeout=10)

    page.get_by_label("Code").fill("WRON-GONE")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_code")
    expect(page.get_by_label("Code")).to_have_value("WRON-GONE")
    assert_accessible(page)


def test_a_member_changes_their_display_name_and_sees_problems_explained(
    page: Page, live_server, lived_experience_member: User, password: str
) -> None:
    _sign_in_with_password(page, live_server.url, "lived@example.org", password)
    assert_accessible(page)

    _go_to(page, "Your details")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_label("Display name")).to_have_value("Quiet Heron")
    assert_accessible(page)

    # An empty display name: the error summary links to the field; what was typed stays.
    page.get_by_label("Display name").fill("")
    page.get_by_label("Full name").fill("Sam Jones")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save your details").click()

    expect(page).to_have_title(re.compile("^Error: Your details \N{EN DASH} "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    problem = summary.get_by_role("link")
    expect(problem).to_have_attribute("href", "#id_display_name")
    expect(problem).to_have_text("Enter a display name. It can be a made-up name.")
    expect(page.locator("#id_display_name_error")).to_contain_text("Error:")
    expect(page.get_by_label("Display name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Full name")).to_have_value("Sam Jones")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    assert_accessible(page)
    screenshot(page, "your-details-problem-320")

    problem.click()
    expect(page.get_by_label("Display name")).to_be_focused()

    page.get_by_label("Display name").fill("Brave Robin")
    page.get_by_role("button", name="Save your details").click()

    expect(page.get_by_role("status")).to_contain_text("Your details have been saved.")
    expect(page.get_by_label("Display name")).to_have_value("Brave Robin")
    expect(page.get_by_role("banner")).to_contain_text("Brave Robin")
    assert_accessible(page)
    lived_experience_member.refresh_from_db()
    assert lived_experience_member.display_name == "Brave Robin"
    assert lived_experience_member.full_name == "Sam Jones"


def test_a_member_signs_out(
    page: Page, live_server, lived_experience_member: User, password: str
) -> None:
    _sign_in_with_password(page, live_server.url, "lived@example.org", password)

    page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Work together on a mental health service"
    )
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
    assert_accessible(page)

    page.goto(live_server.url + reverse("participants:profile"))
    expect(page).to_have_title(re.compile("^Sign in \N{EN DASH} "))


def test_signing_in_and_saving_work_without_javascript(
    page_without_javascript: Page, live_server, lived_experience_member: User, password: str
) -> None:
    page = page_without_javascript
    _sign_in_with_password(page, live_server.url, "lived@example.org", password)
    assert_accessible(page)

    page.goto(live_server.url + reverse("participants:profile"))
    page.get_by_label("Display name").fill("")
    page.get_by_role("button", name="Save your details").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("There is a problem")
    assert_accessible(page)

    page.get_by_label("Display name").fill("Steady Otter")
    page.get_by_role("button", name="Save your details").click()
    expect(page.get_by_role("status")).to_contain_text("Your details have been saved.")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    assert_accessible(page)
