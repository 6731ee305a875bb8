"""A member downloads a copy of their data, then erases their account.

Keyboard only; every page visited must pass axe-core. The zip holds what they wrote;
a first try without ticking the box is refused kindly; after erasure they cannot sign in
and what they wrote is shown as written by a former member.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from decisions import services
from decisions.models import Proposal
from participants.models import User
from projects import services as project_services
from projects.models import Project
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reauthenticated_if_asked(page: Page, password: str) -> bool:
    """Enter the password again if the portal asks for it; True if it did."""
    if "/reauthenticate/" not in page.url:
        return False
    assert_accessible(page)
    type_into(page, page.get_by_label("Password", exact=True), password)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Erase your account?")
    return True


def test_a_member_downloads_their_data_and_erases_their_account(
    page: Page,
    live_server,
    project: Project,
    facilitator: User,
    carer_member: User,
    password: str,
) -> None:
    stage = project.stages.get(position=1)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    proposal = services.proposal_create(
        actor=carer_member, stage=stage, title="A quiet room", body="Somewhere calm to wait."
    )
    email = carer_member.email

    sign_in(page, live_server.url, email, password, two_factor=False)
    page.goto(live_server.url + reverse("participants:profile"))
    press(page, page.get_by_role("link", name=re.compile("^Your data")))
    expect(heading(page)).to_have_text("Your data")
    assert_accessible(page)

    download_button = page.get_by_role("button", name="Download your data")
    tab_to(page, download_button)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    with open(download.path(), "rb") as file:
        archive = zipfile.ZipFile(io.BytesIO(file.read()))
    contents = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    everything = "\n".join(contents.values())
    assert email in everything
    assert "A quiet room" in everything
    json_files = [name for name in contents if name.endswith(".json")]
    assert json_files
    for name in json_files:  # each JSON file reads back
        json.loads(contents[name])

    press(page, page.get_by_role("link", name="Find out more and erase your account"))
    expect(heading(page)).to_have_text("Erase your account?")
    assert_accessible(page)

    # Without ticking the box: a kind error, and nothing is erased. (Erasing asks for the
    # password again first when the sign-in is more than a few minutes old.)
    with page.expect_navigation():
        press(page, page.get_by_role("button", name="Erase my account"))
    if _reauthenticated_if_asked(page, password):
        press(page, page.get_by_role("button", name="Erase my account"))
    expect(page.get_by_role("alert")).to_contain_text("tick the box")
    assert_accessible(page)
    assert User.objects.filter(email=email).exists()

    press(page, page.get_by_label("I understand that my account will be erased"), " ")
    expect(page.get_by_label("I understand that my account will be erased")).to_be_checked()
    press(page, page.get_by_role("button", name="Erase my account"))
    expect(heading(page)).to_have_text("Your account is erased")
    assert_accessible(page)

    assert not User.objects.filter(email=email).exists()
    proposal = Proposal.objects.select_related("author").get(pk=proposal.pk)
    assert proposal.title == "A quiet room"  # the discussion still makes sense
    assert proposal.author.display_name.startswith("Former member")

    # Signing in again is refused like any unknown address.
    page.goto(live_server.url + reverse("account_login"))
    type_into(page, page.get_by_label("Email"), email)
    type_into(page, page.get_by_label("Password", exact=True), password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("alert")).to_be_visible()
