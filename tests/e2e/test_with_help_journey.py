"""A member who votes by phone: the facilitator prints the ballot paper, records the vote
the member reads out, and the member then sees it marked as recorded for them and
changes it themselves.

Keyboard only, with axe-core on every page visited.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from decisions import services as decision_services
from decisions.models import Ballot, Participation
from participants.models import User
from projects import services as project_services
from projects.models import Project
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, sign_out, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rank(page: Page, option: str, place: str) -> None:
    field = page.get_by_label(option, exact=True)
    tab_to(page, field)
    field.select_option(place)  # a native select: the arrow keys choose


def test_a_phone_vote_recorded_by_the_facilitator_then_changed_by_the_member(
    page: Page,
    live_server,
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    password: str,
) -> None:
    base = live_server.url
    stage = project.stages.get(position=2)  # "What matters most?", ranked
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("More night staff", "A quiet room to wait in"):
        decision_services.proposal_create(
            actor=clinician_member, stage=stage, title=title, body="We need it."
        )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")

    # The facilitator prints the paper, then records what the carer reads out by phone.
    sign_in(page, base, facilitator.email, password, two_factor=True)
    page.goto(base + stage.get_absolute_url())
    press(page, page.get_by_role("link", name="Print a ballot paper"))
    expect(heading(page)).to_have_text(f"Ballot paper: {stage.title}")
    expect(page.get_by_role("main")).to_contain_text("A quiet room to wait in")
    assert_accessible(page)

    page.goto(base + stage.get_absolute_url())
    press(page, page.get_by_role("link", name="Record a vote for a member who asks for help"))
    expect(heading(page)).to_have_text("Record a vote for a member")
    assert_accessible(page)
    # Forgetting the tick: a kind error, and the choices typed are still there.
    member = page.get_by_label("Which member asked you?")
    tab_to(page, member)
    member.select_option(label=carer_member.display_name)
    press(page, page.get_by_label("By phone"), " ")
    _rank(page, "More night staff", "1")
    press(page, page.get_by_role("button", name="Record this member's vote"))
    expect(page.get_by_role("alert")).to_contain_text("tick the box to confirm")
    assert_accessible(page)
    expect(page.get_by_label("More night staff", exact=True)).to_have_value("1")
    assert not Ballot.objects.filter(stage=stage).exists()

    press(page, page.get_by_label("The member asked me to record this vote"), " ")
    press(page, page.get_by_role("button", name="Record this member's vote"))
    expect(page.get_by_role("status")).to_contain_text(
        f"The vote for {carer_member.display_name} is recorded"
    )
    assert_accessible(page)
    assert Participation.objects.get(stage=stage, user=carer_member).with_help
    sign_out(page)

    # The carer is told, sees the vote as theirs and changes it.
    sign_in(page, base, carer_member.email, password, two_factor=False)
    page.goto(base + stage.get_absolute_url())
    press(page, page.get_by_role("link", name="Vote now"))
    expect(page.get_by_role("main")).to_contain_text(
        "A facilitator recorded a vote for you in this stage"
    )
    expect(page.get_by_label("More night staff", exact=True)).to_have_value("1")
    assert_accessible(page)
    _rank(page, "More night staff", "")
    _rank(page, "A quiet room to wait in", "1")
    press(page, page.get_by_role("button", name="vote"))
    expect(page.locator(".nhsuk-panel__title")).to_have_text("Your vote is recorded")
    ballot = Ballot.objects.get(stage=stage)
    quiet_room = next(
        option
        for option in decision_services.stage_options(stage)
        if option.title == "A quiet room to wait in"
    )
    assert ballot.content == {"ranking": [str(quiet_room.pk)]}
