"""Delivery's pages: who may open each in each state, kind errors that keep what was
typed, the happy paths, progress on the project and home pages, and flat query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delivery.models import Action, ActionStatus, ActionUpdate, Recommendation, Response
from participants.models import User
from projects.models import Project
from tests.conftest import field_error
from tests.delivery import helpers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "lived_experience_member",
    "carer_member",
    "clinician_member",
    "facilitator",
    "manager",
    "sponsor",
    "outsider",
    "anonymous",
)
MEMBERS = {"lived_experience_member", "carer_member", "clinician_member"}
VIEWERS = MEMBERS | {"facilitator", "manager", "sponsor"}
RUNS_DELIVERY = {"facilitator", "sponsor"}


@pytest.fixture
def state(recs: list[Recommendation], sponsor: User, carer_member: User) -> dict[str, object]:
    """Accepted (with an action the carer owns), declined, and waiting for a response."""
    helpers.respond(sponsor, recs[0], "accepted")
    helpers.respond(sponsor, recs[1], "declined")
    action = helpers.confirmed_action(sponsor, recs[0], carer_member)
    return {"accepted": recs[0], "declined": recs[1], "waiting": recs[2], "action": action}


def _url(name: str, project: Project, **kwargs: object) -> str:
    return reverse(f"delivery:{name}", kwargs={"project_id": project.pk, **kwargs})


def _pages(project: Project, state: dict[str, object]) -> dict[str, tuple[str, str, set[str]]]:
    """page: (method, address, who may use it). Other viewers get 403."""
    accepted, declined, action = state["accepted"], state["declined"], state["action"]
    rec = {"recommendation_id": accepted.pk}
    act = {"action_id": action.pk}
    return {
        "overview": ("get", _url("overview", project), VIEWERS),
        "recommendation": ("get", _url("recommendation", project, **rec), VIEWERS),
        "respond": ("get", _url("respond", project, **rec), {"sponsor"}),
        "response_due": ("get", _url("response_due", project, **rec), {"facilitator"}),
        "action_create": ("get", _url("action_create", project, **rec), MEMBERS | RUNS_DELIVERY),
        "action_create_declined": (
            "get",
            _url("action_create", project, recommendation_id=declined.pk),
            set(),
        ),
        "action": ("get", _url("action", project, **act), VIEWERS),
        "action_status": (
            "get",
            _url("action_status", project, **act),
            {"carer_member"} | RUNS_DELIVERY,
        ),
        "action_update": ("get", _url("action_update", project, **act), {"carer_member"}),
        "action_change": ("get", _url("action_change", project, **act), RUNS_DELIVERY),
        # Already confirmed: nobody confirms it again.
        "action_confirm": ("post", _url("action_confirm", project, **act), set()),
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_page(
    request: pytest.FixtureRequest, client, project: Project, state, role: str
) -> None:
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for page, (method, url, allowed) in _pages(project, state).items():
        response = getattr(client, method)(url)
        if role == "anonymous":
            expected = 302
        elif role not in VIEWERS:
            expected = 404
        elif role in allowed:
            expected = 302 if method == "post" else 200
        else:
            expected = 403
        assert response.status_code == expected, (page, role, response.status_code)


def test_wrong_methods(client, project: Project, state, sponsor: User) -> None:
    client.force_login(sponsor)
    assert client.put(_url("overview", project)).status_code == 405
    assert (
        client.get(_url("action_confirm", project, action_id=state["action"].pk)).status_code == 405
    )


def test_missing_and_malformed_addresses_are_404(
    client, project: Project, state, sponsor: User
) -> None:
    client.force_login(sponsor)
    assert client.get(_url("recommendation", project, recommendation_id="nope")).status_code == 404
    other = _url("action", project, action_id="00000000-0000-0000-0000-000000000000")
    assert client.get(other).status_code == 404


def test_a_sponsor_without_two_factor_is_sent_to_switch_it_on(
    client, project: Project, state
) -> None:
    from tests.conftest import join

    newcomer = UserFactory(email="sponsor2@example.org", display_name="Kind Elm")
    join(project, newcomer, "sponsor")
    client.force_login(newcomer)
    response = client.get(_url("overview", project))
    assert response.status_code == 302
    assert reverse("projects:mfa_required") in response["Location"]


def test_the_sponsor_declines_with_reasons_and_the_group_sees_it(
    client, project: Project, state, sponsor: User, lived_experience_member: User
) -> None:
    waiting = state["waiting"]
    url = _url("respond", project, recommendation_id=waiting.pk)
    client.force_login(sponsor)
    typed = {"answer": "declined", "reasons": "", "next_steps": "We will look again in June."}
    response = client.post(url, typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the reasons for your response" in page
    assert "We will look again in June." in page  # kept
    assert re.search(r'value="declined"[^>]*checked', page)  # the choice kept
    assert not Response.objects.filter(recommendation=waiting).exists()
    typed["reasons"] = "The money is committed until next year."
    response = client.post(url, typed)
    assert response.status_code == 302
    client.force_login(lived_experience_member)
    page = client.get(response["Location"]).content.decode()
    assert "The money is committed until next year." in page
    assert "Declined" in page


def test_a_member_proposes_and_the_facilitator_confirms(
    client, project: Project, state, lived_experience_member: User, facilitator: User
) -> None:
    url = _url("action_create", project, recommendation_id=state["accepted"].pk)
    client.force_login(lived_experience_member)
    typed = {
        "title": "Peer support line at night",
        "done_looks_like": "A peer answers calls from 10pm",
        "owner": str(lived_experience_member.pk),
        "due_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
    }
    response = client.post(url, typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The date you chose has already passed" in page
    assert "Peer support line at night" in page  # kept
    typed["owner"] = "999999"
    typed["due_on"] = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.post(url, typed)
    assert "Choose someone who takes part in this project" in response.content.decode()
    typed["owner"] = str(lived_experience_member.pk)
    response = client.post(url, typed)
    assert response.status_code == 302
    action = Action.objects.get(title="Peer support line at night")
    assert not action.confirmed
    client.force_login(facilitator)
    response = client.post(_url("action_confirm", project, action_id=action.pk))
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).confirmed


def _offered(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The statuses the status page offers, as radio buttons."""
    return re.findall(r'<input[^>]*name="status"[^>]*value="([a-z_]+)"', page.content.decode())


def test_the_status_page_offers_only_the_next_steps(
    client, project: Project, state, carer_member: User
) -> None:
    url = _url("action_status", project, action_id=state["action"].pk)
    client.force_login(carer_member)
    steps = {
        # status now: (what the page offers, whether it asks for a reason to drop)
        "planned": (["in_progress", "dropped"], True),
        "in_progress": (["done", "stuck", "dropped"], True),
        "done": (["in_progress"], False),
    }
    for now, (offered, asks_why) in steps.items():
        page = client.get(url)
        assert page.status_code == 200
        assert f"Now: {ActionStatus(now).label}." in page.content.decode()
        assert _offered(page) == offered
        assert ('name="reason"' in page.content.decode()) is asks_why
        if now != "done":
            assert client.post(url, {"status": offered[0]}).status_code == 302
    assert Action.objects.get(pk=state["action"].pk).status == "done"


def test_a_skipped_step_is_refused_kindly(
    client, project: Project, state, carer_member: User
) -> None:
    """Sent anyway (from a page opened before the action moved, say): the service refuses
    it beside the status, and the page offers the steps from where the action is now."""
    url = _url("action_status", project, action_id=state["action"].pk)
    client.force_login(carer_member)
    response = client.post(url, {"status": "done", "reason": ""})
    assert response.status_code == 200
    assert field_error(response, "status") == (
        'An action that is "planned" moves one step at a time. '
        "From here it can be: in progress, dropped."
    )
    assert _offered(response) == ["in_progress", "dropped"]
    assert Action.objects.get(pk=state["action"].pk).status == "planned"
    response = client.post(url, {"status": "dropped", "reason": ""})
    assert "Say why the action is dropped" in response.content.decode()
    assert client.post(url, {"status": "in_progress"}).status_code == 302
    assert Action.objects.get(pk=state["action"].pk).status == "in_progress"


def test_a_sponsor_gives_an_action_another_owner_and_date(
    client, project: Project, state, sponsor: User, carer_member: User, clinician_member: User
) -> None:
    action = state["action"]
    client.force_login(sponsor)
    page = client.get(_url("action", project, action_id=action.pk))
    assert page.status_code == 200
    url = _url("action_change", project, action_id=action.pk)
    assert f'href="{url}"' in page.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert re.search(rf'<option value="{carer_member.pk}" selected>', text)
    assert f'value="{action.due_on.isoformat()}"' in text
    # A date already passed: said beside the date, keeping the owner chosen.
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    page = client.post(url, {"owner": str(clinician_member.pk), "due_on": past})
    assert page.status_code == 200
    assert "The date you chose has already passed" in field_error(page, "due_on")
    assert re.search(rf'<option value="{clinician_member.pk}" selected>', page.content.decode())
    assert Action.objects.get(pk=action.pk).owner_id == carer_member.pk
    later = timezone.localdate() + timedelta(days=45)
    response = client.post(url, {"owner": str(clinician_member.pk), "due_on": later.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url()
    page = client.get(action.get_absolute_url()).content.decode()
    assert "The action&#x27;s owner and due date are saved." in page
    assert clinician_member.display_name in page
    assert f"{later:%-d %B %Y}" in page
    # The owner (a member) is not offered the link, nor the page.
    client.force_login(carer_member)
    page = client.get(action.get_absolute_url())
    assert page.status_code == 200
    assert url not in page.content.decode()
    assert client.get(url).status_code == 403


def test_the_owner_posts_an_update(client, project: Project, state, carer_member: User) -> None:
    url = _url("action_update", project, action_id=state["action"].pk)
    client.force_login(carer_member)
    response = client.post(url, {"text": "Rota drafted", "evidence_url": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "Rota drafted" in response.content.decode()
    response = client.post(url, {"text": "Rota drafted", "evidence_url": "https://example.org/r"})
    assert response.status_code == 302
    assert ActionUpdate.objects.get().evidence_url == "https://example.org/r"


def test_progress_at_a_glance_on_the_project_page(
    client, project: Project, recs, sponsor: User, carer_member: User, clinician_member: User
) -> None:
    helpers.respond(sponsor, recs[0], "accepted")
    actions = [helpers.confirmed_action(sponsor, recs[0], clinician_member) for _ in range(6)]
    for action in actions[:4]:
        for status in ("in_progress", "done"):
            helpers.services.action_status_change(
                actor=sponsor, action=helpers.fresh_action(action), status=status
            )
    Action.objects.filter(pk=actions[4].pk).update(due_on=timezone.localdate() - timedelta(days=1))
    client.force_login(carer_member)
    page = client.get(project.get_absolute_url()).content.decode()
    assert "4 of 6 actions done" in page
    assert "1 overdue" in page
    assert "The organisation has not yet responded" not in page
    Recommendation.objects.filter(pk=recs[1].pk).update(
        response_due_on=timezone.localdate() - timedelta(days=1)
    )
    page = client.get(project.get_absolute_url()).content.decode()
    assert "A response is overdue" in page


def test_the_owner_sees_overdue_actions_on_their_home_page(
    client, project: Project, state, carer_member: User, clinician_member: User
) -> None:
    Action.objects.filter(pk=state["action"].pk).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )
    client.force_login(carer_member)
    page = client.get(reverse("home")).content.decode()
    assert "Your overdue actions" in page
    assert state["action"].title in page
    client.force_login(clinician_member)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "Your overdue actions" not in page.content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_delivery_pages_stay_flat_as_actions_grow(
    client, project: Project, state, carer_member: User, sponsor: User
) -> None:
    client.force_login(carer_member)
    accepted = state["accepted"]

    def add(count: int) -> None:
        Action.objects.bulk_create(
            Action(
                recommendation=accepted,
                title=f"Action {number}",
                done_looks_like="Done",
                owner=carer_member if number % 2 else sponsor,
                due_on=timezone.localdate() + timedelta(days=number % 40 - 20),
                proposed_by=sponsor,
                confirmed_by=sponsor if number % 3 else None,
                confirmed_at=timezone.now() if number % 3 else None,
            )
            for number in range(count)
        )

    add(9)  # 10 in all
    urls = [
        _url("overview", project),
        _url("recommendation", project, recommendation_id=accepted.pk),
        project.get_absolute_url(),
        reverse("home"),
    ]
    few = [_queries(client, url) for url in urls]
    add(190)  # 200 in all
    assert Action.objects.count() == 200
    many = [_queries(client, url) for url in urls]
    assert many == few


def test_the_owners_data_download_holds_their_actions_and_updates(
    client, project: Project, state, carer_member: User
) -> None:
    import io
    import json
    import zipfile

    helpers.services.action_update_post(
        actor=carer_member, action=helpers.fresh_action(state["action"]), text="Rota drafted"
    )
    client.force_login(carer_member)
    response = client.post(reverse("your_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    actions = json.loads(archive.read("delivery_actions.json"))
    assert [(row["title"], row["you_own_it"]) for row in actions] == [(state["action"].title, True)]
    updates = json.loads(archive.read("delivery_updates.json"))
    assert [row["text"] for row in updates] == ["Rota drafted"]


def test_the_delivery_stage_page_shows_progress(
    client, project: Project, state, lived_experience_member: User
) -> None:
    delivery_stage = project.stages.get(kind="delivery")
    client.force_login(lived_experience_member)
    page = client.get(delivery_stage.get_absolute_url()).content.decode()
    assert "0 of 1 action done" in page
    assert reverse("delivery:overview", kwargs={"project_id": project.pk}) in page


def test_the_facilitator_takes_a_declined_recommendation_back_to_the_group(
    client, project: Project, state, facilitator: User, carer_member: User
) -> None:
    from decisions.models import Proposal
    from tests.conftest import force_login_with_two_factors

    declined = state["declined"]
    force_login_with_two_factors(client, facilitator)
    page = client.get(declined.get_absolute_url()).content.decode()
    link = reverse(
        "decisions:carry_forward",
        kwargs={"project_id": project.pk, "stage_id": declined.record.stage_id},
    )
    assert f"{link}?proposal={declined.proposal_id}" in page
    form = client.get(f"{link}?proposal={declined.proposal_id}").content.decode()
    assert re.search(rf'value="{declined.proposal_id}"[^>]*checked', form)
    later = project.stages.get(position=3)
    response = client.post(link, {"to_stage": str(later.pk), "proposals": [declined.proposal_id]})
    assert response.status_code == 302
    assert Proposal.objects.get(stage=later).carried_from_id == declined.proposal_id
    client.force_login(carer_member)  # members do not get the link
    page = client.get(declined.get_absolute_url())
    assert page.status_code == 200
    assert link not in page.content.decode()
