"""The review, keyboard only with axe-core on every page visited: the facilitator puts the
recommendation acted on to the review's verdict vote and opens voting, three constituencies
give their secret verdicts (one with a comment), the decision is recorded, "You said, we
did" shows the whole trail, and its public page shows no personal data."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from decisions.models import DecisionRecord
from participants.models import User
from projects.models import Project, Stage
from tests.delivery import helpers
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, sign_out, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VERDICTS = ("Done as decided", "Done differently", "Not done")


def _give_verdict(page: Page, base: str, stage: Stage, title: str, steps_down: int) -> None:
    page.goto(base + stage.get_absolute_url())
    press(page, page.get_by_role("link", name="Vote now"))
    expect(heading(page)).to_have_text("Your vote")
    assert_accessible(page)
    radios = page.get_by_role("group", name=title).get_by_role("radio")
    tab_to(page, radios.first)
    page.keyboard.press("Space")
    for _ in range(steps_down):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label(VERDICTS[steps_down])).to_be_checked()
    if steps_down == 2:
        type_into(
            page,
            page.get_by_label(f"Comment on “{title}” (optional: others see it, never your name)"),
            "The rota still has one nurse most nights.",
        )
    press(page, page.get_by_role("button", name="Cast my vote"))
    expect(page.locator(".nhsuk-panel__title")).to_have_text("Your vote is recorded")
    assert_accessible(page)


def test_the_review_from_verdicts_to_the_public_page(
    page: Page,
    live_server,
    project: Project,
    facilitator: User,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
    password: str,
) -> None:
    base = live_server.url
    members = [lived_experience_member, carer_member, clinician_member]
    first, _second, _third = helpers.recommendations(project, facilitator, members)
    sponsor = helpers.add_sponsor(project)
    helpers.respond(sponsor, first, "accepted")
    helpers.confirmed_action(sponsor, first, owner=carer_member)
    review = project.stages.get(kind=Stage.Kind.REVIEW)

    # The facilitator puts the recommendation acted on to the review and opens voting.
    sign_in(page, base, facilitator.email, password, two_factor=True)
    page.goto(base + reverse("delivery:overview", args=[project.pk]))
    assert_accessible(page)
    press(
        page,
        page.get_by_role("button", name=f'Put the recommendations to review in "{review.title}"'),
    )
    expect(page.get_by_role("status")).to_contain_text("1 recommendation is now an option")
    expect(heading(page)).to_have_text(review.title)
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Open this stage"))
    press(page, page.get_by_role("button", name="Open voting"))
    expect(page.get_by_role("main")).to_contain_text("Review verdict")
    sign_out(page)

    # Three constituencies give their verdicts, each in secret.
    for member, steps_down in zip(members, (1, 1, 2), strict=True):
        sign_in(page, base, member.email, password, two_factor=False)
        _give_verdict(page, base, review, first.title, steps_down)
        sign_out(page)

    # The facilitator closes voting: the decision is recorded.
    sign_in(page, base, facilitator.email, password, two_factor=True)
    page.goto(base + review.get_absolute_url())
    press(page, page.get_by_role("button", name="Close voting"))
    expect(heading(page)).to_have_text("The decision")
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"{first.title}: done differently.")
    expect(main).to_contain_text("The rota still has one nurse most nights.")
    assert_accessible(page)
    assert DecisionRecord.objects.get(stage=review).voting_method == "verdict"

    # "You said, we did" shows the whole trail, and the facilitator publishes it.
    press(page, page.get_by_role("link", name=re.compile("^You said, we did: each recommendation")))
    expect(heading(page)).to_have_text("You said, we did")
    expect(main).to_contain_text("Rota a second nurse")
    expect(main).to_contain_text("Done differently")
    expect(main).to_contain_text(carer_member.display_name)
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Publish as a public page"))
    expect(page.get_by_role("status")).to_contain_text("The public page is published.")
    assert_accessible(page)
    public_url = page.locator('a[href*="/public/you-said-we-did/"]').get_attribute("href")
    sign_out(page)

    # Anyone reads the public page without signing in; it names nobody.
    page.goto(base + public_url)
    expect(heading(page)).to_have_text("You said, we did")
    assert_accessible(page)
    html = page.content()
    assert first.title in html
    assert "Done differently" in html
    for person in User.objects.all():
        assert person.email not in html
        assert person.display_name not in html
