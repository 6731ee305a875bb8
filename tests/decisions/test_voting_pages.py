"""The ballot, confirmation and decision pages, for each method and each role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import Ballot, DecisionRecord
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


def _stage(project: Project, facilitator: User, author: User, method: str, **rules) -> Stage:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method=method, **rules)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=author, stage=stage, title=title, body="Why it matters.")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _url(name: str, stage: Stage) -> str:
    return reverse(
        f"decisions:{name}", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


def _field(stage: Stage, index: int) -> str:
    return f"option-{services.stage_options(stage)[index].pk}"


def test_a_member_ranks_and_sees_a_clear_confirmation(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "ranking")
    client.force_login(carer_member)
    page = client.get(_url("ballot", stage))
    assert page.status_code == 200
    assert "Your vote is secret" in page.text
    response = client.post(_url("ballot", stage), {_field(stage, 1): "1", _field(stage, 0): "2"})
    assert response["Location"] == _url("ballot_recorded", stage)
    confirmation = client.get(response["Location"])
    assert "Your vote is recorded" in confirmation.text
    assert "You can change it until" in confirmation.text
    again = client.get(_url("ballot", stage))
    assert "You have voted already" in again.text
    assert 'value="1" selected' in again.text


def test_a_broken_ranking_is_explained_and_kept(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "ranking")
    client.force_login(carer_member)
    response = client.post(_url("ballot", stage), {_field(stage, 0): "1", _field(stage, 1): "1"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not Ballot.objects.exists()
    assert response.text.count('value="1" selected') == 2


def test_too_many_dots_are_refused_kindly(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "dots", dots_per_member=2)
    client.force_login(carer_member)
    response = client.post(_url("ballot", stage), {_field(stage, 0): "2", _field(stage, 1): "1"})
    assert "There is a problem" in response.text
    assert not Ballot.objects.exists()
    ok = client.post(_url("ballot", stage), {_field(stage, 0): "1", _field(stage, 1): "1"})
    assert ok.status_code == 302


def test_consent_and_scoring_ballots(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "consent")
    client.force_login(carer_member)
    data = {_field(stage, n): "agree" for n in range(3)}
    data[_field(stage, 2)] = "block"
    refused = client.post(_url("ballot", stage), data)
    assert "A block needs a reason" in refused.text
    data[f"reason-{services.stage_options(stage)[2].pk}"] = "Not safe at night."
    assert client.post(_url("ballot", stage), data).status_code == 302


def test_observers_and_facilitators_cannot_open_the_ballot(
    client, project: Project, facilitator: User, carer_member: User, manager: User, outsider: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "ranking")
    for person in (facilitator, manager):
        client.force_login(person)
        assert client.get(_url("ballot", stage)).status_code == 403
    client.force_login(outsider)
    assert client.get(_url("ballot", stage)).status_code == 404
    client.logout()
    assert client.get(_url("ballot", stage))["Location"].startswith(reverse("account_login"))


def test_results_stay_hidden_until_voting_closes_then_everyone_sees_the_same_record(
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    manager: User,
) -> None:
    stage = _stage(project, facilitator, carer_member, "dots", dots_per_member=3)
    services.ballot_cast(
        actor=carer_member, stage=stage, raw={str(services.stage_options(stage)[1].pk): 3}
    )
    client.force_login(carer_member)
    assert "No results yet" in client.get(_url("decision", stage)).text
    client.force_login(carer_member)
    assert client.post(_url("voting_close", stage)).status_code == 403
    client.force_login(facilitator)
    response = client.post(_url("voting_close", stage))
    assert response["Location"] == _url("decision", stage)
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
    pages = []
    for person in (carer_member, clinician_member, manager, facilitator):
        client.force_login(person)
        page = client.get(_url("decision", stage))
        assert "Most dots: Quiet room." in page.text
        assert "1 of 3 members voted" in page.text
        pages.append(page.context["rows"])
    assert all(rows == pages[0] for rows in pages)


def test_a_small_group_result_is_not_shown(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "dots", dots_per_member=1)
    services.ballot_cast(
        actor=carer_member, stage=stage, raw={str(services.stage_options(stage)[0].pk): 1}
    )
    services.voting_close(actor=facilitator, stage=stage)
    client.force_login(carer_member)
    page = client.get(_url("decision", stage))
    assert "Too few voters in this group to show its own result." in page.text
    assert all(not group["shown"] for group in page.context["groups"])


def test_live_results_when_the_facilitator_chose_them(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "dots", dots_per_member=1, live_results=True)
    services.ballot_cast(
        actor=carer_member, stage=stage, raw={str(services.stage_options(stage)[2].pk): 1}
    )
    client.force_login(carer_member)
    page = client.get(_url("decision", stage))
    assert "Results so far" in page.text
    assert "Call-back promise" in page.text


def test_facilitators_explain_the_decision(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _stage(project, facilitator, carer_member, "dots")
    services.voting_close(actor=facilitator, stage=stage)
    client.force_login(carer_member)
    assert client.get(_url("decision_note", stage)).status_code == 403
    client.force_login(facilitator)
    client.post(
        _url("decision_note", stage),
        {"rationale": "Quiet rooms help most.", "dissent": "", "next_steps": "Ask the hospital."},
    )
    page = client.get(_url("decision", stage))
    assert "Quiet rooms help most." in page.text
    assert "Ask the hospital." in page.text


def test_decision_page_queries_do_not_grow_with_ballots(
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    lived_experience_member: User,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stage = _stage(project, facilitator, carer_member, "ranking")
    first = str(services.stage_options(stage)[0].pk)
    services.ballot_cast(actor=carer_member, stage=stage, raw={first: 1})
    client.force_login(facilitator)
    with CaptureQueriesContext(connection) as few:
        client.get(_url("decision", stage))
    for person in (clinician_member, lived_experience_member):
        services.ballot_cast(actor=person, stage=stage, raw={first: 1})
    with CaptureQueriesContext(connection) as many:
        client.get(_url("decision", stage))
    assert len(many) == len(few)


def test_ballot_page_queries_do_not_grow_with_options(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stage = _stage(project, facilitator, carer_member, "scoring")
    client.force_login(carer_member)
    with CaptureQueriesContext(connection) as few:
        client.get(_url("ballot", stage))
    Stage.objects.filter(pk=stage.pk).update(state="open")
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    for number in range(10):
        services.proposal_create(actor=carer_member, stage=stage, title=f"More {number}", body="b")
    Stage.objects.filter(pk=stage.pk).update(state="voting")
    with CaptureQueriesContext(connection) as many:
        page = client.get(_url("ballot", stage))
    assert "More 9" in page.text
    assert len(many) == len(few)


ROLES = ("carer_member", "facilitator", "manager", "outsider", "anonymous")
EXPECTED = {
    # page: {role: status} while voting is open
    "ballot": {"carer_member": 200, "facilitator": 403, "manager": 403, "outsider": 404},
    "decision": {"carer_member": 200, "facilitator": 200, "manager": 200, "outsider": 404},
    "decision_note": {"carer_member": 403, "facilitator": 404, "manager": 403, "outsider": 404},
    "proposals": {"carer_member": 200, "facilitator": 200, "manager": 200, "outsider": 404},
}


@pytest.mark.parametrize("role", ROLES)
def test_voting_pages_by_role(
    request: pytest.FixtureRequest,
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    role: str,
) -> None:
    stage = _stage(project, facilitator, carer_member, "ranking")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for page, statuses in EXPECTED.items():
        response = client.get(_url(page, stage))
        if role == "anonymous":
            assert response.status_code == 302, page
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == statuses[role], (page, role)
    closing = client.post(_url("voting_close", stage))
    expected_close = {"facilitator": 302, "anonymous": 302, "outsider": 404}.get(role, 403)
    assert closing.status_code == expected_close
    assert DecisionRecord.objects.filter(stage=stage).exists() == (role == "facilitator")
