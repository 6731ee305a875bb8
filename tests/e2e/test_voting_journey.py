"""Propose, combine duplicates, vote, change a vote, close, and read one shared decision.

Keyboard only, with axe-core on every page visited.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from decisions import services as decision_services
from decisions.models import Ballot, DecisionRecord
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, sign_out, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _stage_url(base: str, stage: Stage) -> str:
    return base + stage.get_absolute_url()


def _rank(page: Page, option: str, place: str) -> None:
    field = page.get_by_label(option, exact=True)
    tab_to(page, field)
    field.select_option(place)  # a native select: the arrow keys choose


def _vote(page: Page, base: str, stage: Stage, email: str, password: str, ranks: dict) -> None:  # type: ignore[type-arg]
    sign_in(page, base, email, password, two_factor=False)
    page.goto(_stage_url(base, stage))
    press(page, page.get_by_role("link", name="Vote now"))
    expect(heading(page)).to_have_text("Your vote")
    assert_accessible(page)
    for option, place in ranks.items():
        _rank(page, option, place)
    press(page, page.get_by_role("button", name="vote"))
    expect(page.locator(".nhsuk-panel__title")).to_have_text("Your vote is recorded")
    assert_accessible(page)


def test_from_proposals_to_a_shared_decision(
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
    stage = project.stages.get(position=2)  # "What matters most?", ranked
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for author, title in (
        (carer_member, "More night staff"),
        (lived_experience_member, "Enough people at night"),
    ):
        decision_services.proposal_create(
            actor=author, stage=stage, title=title, body="We need it."
        )

    # A member proposes.
    sign_in(page, base, "clinician@example.org", password, two_factor=False)
    page.goto(_stage_url(base, stage))
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Add a proposal"))
    type_into(page, page.get_by_label("Title"), "A quiet room to wait in")
    type_into(page, page.get_by_label("Your proposal"), "Somewhere calm while waiting.")
    press(page, page.get_by_role("button", name="Add your proposal"))
    expect(page.get_by_role("status")).to_contain_text("Your proposal has been added.")
    assert_accessible(page)
    sign_out(page)

    # The facilitator combines the two duplicates and opens voting.
    sign_in(page, base, "facilitator@example.org", password, two_factor=True)
    page.goto(base + reverse("decisions:proposals", args=[project.pk, stage.pk]))
    expect(heading(page)).to_have_text("Proposals")
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Combine duplicate proposals"))
    expect(heading(page)).to_have_text("Combine duplicate proposals")
    assert_accessible(page)
    press(page, page.get_by_label("More night staff"), "Space")
    press(page, page.get_by_label("Enough people at night"), "Space")
    type_into(page, page.get_by_label("Title of the combined proposal"), "Enough staff at night")
    type_into(page, page.get_by_label("Text of the combined proposal"), "Two proposals said this.")
    press(page, page.get_by_role("button", name="Combine them"))
    expect(page.get_by_role("main")).to_contain_text("Where this proposal came from")
    assert_accessible(page)
    page.goto(_stage_url(base, stage))
    press(page, page.get_by_role("button", name="Open voting"))
    expect(page.get_by_role("status")).to_contain_text("Voting")
    assert_accessible(page)
    sign_out(page)

    # Three members of different constituencies vote; one changes their mind.
    quiet, staff = "A quiet room to wait in", "Enough staff at night"
    _vote(page, base, stage, "lived@example.org", password, {quiet: "1", staff: "2"})
    sign_out(page)
    _vote(page, base, stage, "carer@example.org", password, {staff: "1"})
    sign_out(page)
    _vote(page, base, stage, "clinician@example.org", password, {staff: "1", quiet: "2"})
    press(page, page.get_by_role("link", name="Change your vote"))
    _rank(page, staff, "2")
    _rank(page, quiet, "1")
    press(page, page.get_by_role("button", name="Save my new vote"))
    expect(page.locator(".nhsuk-panel__title")).to_have_text("Your vote is recorded")
    sign_out(page)
    assert Ballot.objects.filter(stage=stage).count() == 3

    # The facilitator closes voting; everyone reads the same record.
    sign_in(page, base, "facilitator@example.org", password, two_factor=True)
    page.goto(_stage_url(base, stage))
    press(page, page.get_by_role("button", name="Close voting"))
    expect(heading(page)).to_have_text("The decision")
    assert_accessible(page)
    outcome = page.locator(".nhsuk-card--feature").inner_text()
    sign_out(page)
    # Points (2 places): quiet 2 + 0 + 2 = 4, staff 1 + 2 + 1 = 4. The tie goes to
    # the option ranked first more often: quiet, 2 to 1.
    assert "Top priority by points: A quiet room to wait in." in outcome
    for email, two_factor in (("carer@example.org", False), ("manager@example.org", True)):
        sign_in(page, base, email, password, two_factor=two_factor)
        page.goto(base + reverse("decisions:decision", args=[project.pk, stage.pk]))
        expect(page.locator(".nhsuk-card--feature")).to_have_text(outcome)
        expect(page.get_by_role("main")).to_contain_text("3 of 3 members voted")
        assert_accessible(page)
        sign_out(page)
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
