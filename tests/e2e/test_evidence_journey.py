"""A member reflects and answers the pulse; a manager reads the projects they oversee, the
power balance, and downloads the co-production report as a PDF.

Keyboard only, with axe-core on every page visited.
"""

from __future__ import annotations

import io
import re
from contextlib import nullcontext

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from evidence.models import PulseAnswer, PulseTaken, ReflectionAnswer
from participants.models import User
from projects.models import Project
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, sign_out, tab_to, type_into
from tests.evidence.conftest import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(page: Page, group: str, steps: int) -> None:
    """In the radios named `group`, move from the first to the one `steps` below it."""
    fieldset = page.get_by_role("group", name=group)
    first = fieldset.get_by_role("radio").first
    tab_to(page, first)
    page.keyboard.press("Space")
    for _ in range(steps):
        page.keyboard.press("ArrowDown")


def test_a_member_reflects_and_answers_the_pulse_and_a_manager_reads_the_report(
    page: Page,
    live_server,
    project: Project,
    facilitator: User,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
    manager: User,
    password: str,
) -> None:
    base = live_server.url
    scene = build_scene(
        project,
        facilitator,
        {"lived_experience": lived_experience_member, "carer": carer_member,
         "clinician": clinician_member},
        lambda execute=True: nullcontext(),
    )  # fmt: skip
    first = scene.first

    # A member reads the stage, then answers a question to reflect on, anonymously.
    sign_in(page, base, "carer@example.org", password, two_factor=False)
    page.goto(base + first.get_absolute_url())
    press(page, page.get_by_role("link", name="Read and share answers to these questions"))
    expect(heading(page)).to_have_text("Reflect on this stage")
    assert_accessible(page)
    _choose(page, "Which question are you answering?", 0)
    type_into(page, page.get_by_label("Your answer"), "I said what I really thought.")
    _choose(page, "How should your answer appear?", 1)
    press(page, page.get_by_role("button", name="Share my answer"))
    expect(page.get_by_role("status")).to_contain_text("Your answer is shared")
    expect(page.get_by_text("A member, anonymously")).to_be_visible()
    assert_accessible(page)
    assert ReflectionAnswer.objects.get().author is None

    # Then the pulse: two statements scored, one left out, and a step of the ladder.
    page.goto(base + first.get_absolute_url())
    press(page, page.get_by_role("link", name="How did this stage go? The pulse"))
    expect(heading(page)).to_have_text("How did this stage go?")
    assert_accessible(page)
    _choose(page, "I could say what I really thought", 4)
    _choose(page, "My knowledge was valued as much as anyone's", 3)
    _choose(page, "Where was this stage on the ladder of participation?", 6)
    press(page, page.get_by_role("button", name="Send my answer"))
    expect(page.get_by_role("status")).to_contain_text("kept without your name")
    expect(page.get_by_text("You have answered this pulse.")).to_be_visible()
    assert_accessible(page)
    assert PulseTaken.objects.filter(user=carer_member).count() == 1
    answer = PulseAnswer.objects.get()
    assert answer.scores == [5, 4, None, None]
    assert answer.rung == "co_production"
    sign_out(page)

    # The manager oversees the project: the organisation view, the power balance, a report.
    sign_in(page, base, "manager@example.org", password, two_factor=True)
    press(page, page.get_by_role("link", name=re.compile("All the projects you observe")))
    expect(heading(page)).to_have_text("Projects you oversee")
    assert_accessible(page)
    press(page, page.get_by_role("link", name=re.compile("See the figures")))
    expect(heading(page)).to_have_text("Power balance")
    assert_accessible(page)
    page.goto(base + reverse("evidence:reports", args=[project.pk]))
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Make a report now"))
    expect(page.get_by_role("status")).to_contain_text("The report is made and kept")
    expect(page.get_by_role("heading", name="Statement of involvement")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        press(page, page.get_by_role("link", name="Download this report as a PDF"))
    text = "\n".join(
        found.extract_text()
        for found in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages
    )
    flat = " ".join(text.split())
    for section in ("Purpose", "Decisions", "Power balance", "Statement of involvement"):
        assert section in flat
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)
    assert carer_member.display_name not in flat
