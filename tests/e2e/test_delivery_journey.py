"""From recommendations to delivery: the sponsor responds (one declined, with reasons), a
member proposes an action and owns it, the facilitator confirms it and gives a response
more time and the action a later date, the owner posts an update and moves the action
along (the page offers only the next steps). Keyboard only, with axe-core on every page
visited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from delivery.models import Action, ActionUpdate, Response
from participants.models import User
from projects.models import Project
from tests.delivery import helpers
from tests.e2e.conftest import assert_accessible
from tests.e2e.keyboard import heading, press, sign_in, sign_out, tab_to, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(page: Page, group: str, steps_down: int) -> None:
    """Reach a radio group with Tab (its first choice), then move with the arrow keys."""
    radios = page.get_by_role("group", name=group).get_by_role("radio")
    tab_to(page, radios.first)
    page.keyboard.press("Space")
    for _ in range(steps_down):
        page.keyboard.press("ArrowDown")


def test_sponsor_responds_member_proposes_facilitator_confirms_owner_updates(
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
    first, second, third = helpers.recommendations(project, facilitator, members)
    helpers.add_sponsor(project)
    overview = base + reverse("delivery:overview", kwargs={"project_id": project.pk})

    # The sponsor accepts one recommendation and declines another, with reasons.
    sign_in(page, base, "sponsor@example.org", password, two_factor=True)
    page.goto(overview)
    expect(heading(page)).to_have_text("Delivery: responses and actions")
    assert_accessible(page)
    press(page, page.get_by_role("link", name=first.title))
    expect(heading(page)).to_have_text(first.title)
    assert_accessible(page)
    press(page, page.get_by_role("link", name="Respond to this recommendation"))
    expect(heading(page)).to_have_text("Respond to the recommendation")
    assert_accessible(page)
    _choose(page, "Your response", 0)
    type_into(page, page.get_by_label("What will happen next"), "We start next month.")
    press(page, page.get_by_role("button", name="Publish your response"))
    expect(page.get_by_role("status")).to_contain_text("Your response is published.")
    assert_accessible(page)

    page.goto(base + second.get_absolute_url())
    press(page, page.get_by_role("link", name="Respond to this recommendation"))
    expect(heading(page)).to_have_text("Respond to the recommendation")
    _choose(page, "Your response", 3)
    expect(page.get_by_label("Declined")).to_be_checked()
    type_into(page, page.get_by_label("What will happen next"), "We bring the figures.")
    press(page, page.get_by_role("button", name="Publish your response"))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Give the reasons")
    expect(page.get_by_label("What will happen next")).to_have_value("We bring the figures.")
    assert_accessible(page)
    type_into(page, page.get_by_label("Reasons"), "The night team is too small.")
    press(page, page.get_by_role("button", name="Publish your response"))
    expect(page.get_by_role("status")).to_contain_text("Your response is published.")
    expect(page.get_by_role("main")).to_contain_text("The night team is too small.")
    assert_accessible(page)
    assert Response.objects.filter(answer="declined").count() == 1
    sign_out(page)

    # A member proposes an action and owns it.
    sign_in(page, base, lived_experience_member.email, password, two_factor=False)
    page.goto(base + first.get_absolute_url())
    press(page, page.get_by_role("link", name="Propose an action"))
    expect(heading(page)).to_have_text("Propose an action")
    assert_accessible(page)
    type_into(page, page.get_by_label("What will be done"), "Peer support on the night line")
    type_into(page, page.get_by_label('What "done" looks like'), "A peer answers on 3 nights")
    owner = page.get_by_label("Who owns it")
    tab_to(page, owner)
    owner.select_option(label=lived_experience_member.display_name)
    due = timezone.localdate() + timedelta(days=40)
    due_field = page.get_by_label("Due by")
    tab_to(page, due_field)  # reached by Tab; the order of a date's parts follows the
    due_field.fill(due.isoformat())  # browser's own language, so it is filled as a date
    press(page, page.get_by_role("button", name="Propose the action"))
    expect(page.get_by_role("status")).to_contain_text("Your action is proposed")
    assert_accessible(page)
    action = Action.objects.get()
    assert (action.owner, action.due_on, action.confirmed) == (lived_experience_member, due, False)
    sign_out(page)

    # The facilitator confirms it.
    sign_in(page, base, facilitator.email, password, two_factor=True)
    page.goto(
        base + reverse("delivery:action", kwargs={"project_id": project.pk, "action_id": action.pk})
    )
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Confirm this action"))
    expect(page.get_by_role("status")).to_contain_text("The action is confirmed.")
    assert_accessible(page)
    # ...gives it a later date (a date already passed is refused beside the field)...
    press(page, page.get_by_role("link", name="Change who owns it or when it is due"))
    expect(heading(page)).to_have_text("Who owns it and when it is due")
    assert_accessible(page)
    expect(page.get_by_label("Who owns it")).to_have_value(str(lived_experience_member.pk))
    due_field = page.get_by_label("Due by")
    tab_to(page, due_field)
    due_field.fill((timezone.localdate() - timedelta(days=1)).isoformat())
    press(page, page.get_by_role("button", name="Save"))
    expect(page.locator("#id_due_on_error")).to_contain_text("has already passed")
    assert_accessible(page)
    later_due = timezone.localdate() + timedelta(days=50)
    tab_to(page, due_field)
    due_field.fill(later_due.isoformat())
    press(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("owner and due date are saved")
    expect(page.get_by_role("main")).to_contain_text(f"{later_due:%-d %B %Y}")
    assert Action.objects.get().due_on == later_due
    # ...and gives the third recommendation's response more time.
    page.goto(base + third.get_absolute_url())
    press(page, page.get_by_role("link", name="Change the date the response is due"))
    expect(heading(page)).to_have_text("When the response is due")
    assert_accessible(page)
    later = timezone.localdate() + timedelta(days=60)
    due_field = page.get_by_label("The response is due by")
    tab_to(page, due_field)
    due_field.fill(later.isoformat())
    press(page, page.get_by_role("button", name="Save the date"))
    expect(page.get_by_role("status")).to_contain_text("The date the response is due")
    sign_out(page)

    # The owner posts a progress update.
    sign_in(page, base, lived_experience_member.email, password, two_factor=False)
    page.goto(base + reverse("home"))
    assert_accessible(page)
    page.goto(
        base + reverse("delivery:action", kwargs={"project_id": project.pk, "action_id": action.pk})
    )
    press(page, page.get_by_role("link", name="Post a progress update"))
    expect(heading(page)).to_have_text("Post a progress update")
    assert_accessible(page)
    type_into(page, page.get_by_label("What has happened"), "The job description is agreed.")
    type_into(page, page.get_by_label("Link to evidence (optional)"), "https://example.org/jd")
    press(page, page.get_by_role("button", name="Post your update"))
    expect(page.get_by_role("status")).to_contain_text("Your update has been posted.")
    expect(page.get_by_role("main")).to_contain_text("The job description is agreed.")
    assert_accessible(page)

    # ...and moves it along, one step at a time: only the next steps are offered.
    press(page, page.get_by_role("link", name="Change where it stands"))
    expect(heading(page)).to_have_text("Where the action stands")
    assert_accessible(page)
    choices = page.get_by_role("group", name="Where the action stands now").get_by_role("radio")
    expect(choices).to_have_count(2)  # planned: in progress, or dropped (not done)
    expect(page.get_by_label("Done", exact=True)).to_have_count(0)
    press(page, page.get_by_role("button", name="Save"))  # nothing chosen
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose where the action")
    assert_accessible(page)
    _choose(page, "Where the action stands now", 0)
    expect(page.get_by_label("In progress")).to_be_checked()
    press(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("The action's status has been saved.")
    assert Action.objects.get().status == "in_progress"
    assert ActionUpdate.objects.get().author == lived_experience_member
