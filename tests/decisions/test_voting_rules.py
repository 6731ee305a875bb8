"""The vote's rules live in decisions: set on their own page, fixed once voting opens;
and a stage's pages load what they need once, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from coproduce.middleware import RefusalMiddleware
from decisions import services
from decisions.models import VotingRules
from decisions.rules import voting_rules_for
from participants.models import User
from projects import access
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


def _url(name: str, stage: Stage) -> str:
    return reverse(
        f"decisions:{name}", kwargs={"project_id": stage.project_id, "stage_id": stage.pk}
    )


def _rules_form(**changes: str) -> dict[str, str]:
    data = {
        "voting_method": "dots",
        "counting": "one_person_one_vote",
        "dots_per_member": "",
        "dots_can_stack": "on",
        "max_ranks": "10",
        "consent_threshold_percent": "66",
        "scoring_in_percent": "70",
        "scoring_out_percent": "15",
        "smallest_group_shown": "3",
    }
    return data | changes


def test_voting_rules_are_locked_once_voting_opens(project: Project, facilitator: User) -> None:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    with pytest.raises(RuleError, match="voting rules can no longer be changed"):
        services.voting_rules_update(actor=facilitator, stage=stage, voting_method="ranking")
    with pytest.raises(RuleError):
        services.voting_rules_update(
            actor=facilitator, stage=stage, counting="equal_constituencies"
        )
    with pytest.raises(RuleError):
        services.voting_rules_update(actor=facilitator, stage=stage, voting_method="none")
    assert VotingRules.objects.get(stage=stage).voting_method == "dots"
    assert Stage.objects.get(pk=stage.pk).has_vote
    # Texts can still be improved.
    project_services.stage_update(actor=facilitator, stage=stage, title="What matters most?")
    assert Stage.objects.get(pk=stage.pk).title == "What matters most?"


def test_only_facilitators_set_the_voting_rules(project: Project, carer_member: User) -> None:
    stage = project.stages.get(position=2)
    with pytest.raises(RightsError):
        services.voting_rules_update(actor=carer_member, stage=stage, voting_method="dots")


def test_a_facilitator_gives_a_stage_a_vote_on_the_voting_rules_page(
    client, project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=1)  # problem definition: no vote
    assert not stage.has_vote
    client.force_login(facilitator)
    assert "Change the voting rules" in client.get(stage.get_absolute_url()).text
    page = client.get(_url("voting_rules", stage))
    assert page.status_code == 200
    assert 'value="none" checked' in page.text or 'value="none" selected' in page.text
    response = client.post(_url("voting_rules", stage), _rules_form(dots_per_member="4"))
    assert response.status_code == 302
    stage.refresh_from_db()
    assert stage.has_vote
    assert stage.voting_rules.voting_method == "dots"
    assert stage.voting_rules.dots_per_member == 4
    assert AuditEvent.objects.filter(action="stage.updated", object_id=str(stage.pk)).exists()
    page = client.get(stage.get_absolute_url())
    assert "Voting opens" in page.text
    # And takes it away again: the stage closes straight from open.
    client.post(_url("voting_rules", stage), _rules_form(voting_method="none"))
    stage.refresh_from_db()
    assert not stage.has_vote


def test_a_bad_rule_gets_a_kind_error_and_keeps_what_was_typed(
    client, project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)
    client.force_login(facilitator)
    response = client.post(
        _url("voting_rules", stage), _rules_form(consent_threshold_percent="250")
    )
    assert response.status_code == 200
    assert 'value="250"' in response.text
    assert _rules_in_force(stage).consent_threshold_percent == 66


def _rules_in_force(stage: Stage) -> VotingRules:
    """The rules as the stage reads them from the database now (saved or the defaults)."""
    return voting_rules_for(Stage.objects.get(pk=stage.pk))


def test_the_voting_rules_page_is_read_only_once_voting_opens(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project.stages.get(position=2)
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    client.force_login(facilitator)
    page = client.get(_url("voting_rules", stage))
    assert "Voting has opened, so this can no longer be changed." in page.text
    assert "Save the voting rules" not in page.text
    client.post(_url("voting_rules", stage), _rules_form())
    assert _rules_in_force(stage).voting_method == "ranking"
    client.force_login(carer_member)
    assert client.get(_url("voting_rules", stage)).status_code == 403


def test_a_refusal_no_view_expected_becomes_a_page_never_a_500(carer_member: User) -> None:
    request = RequestFactory().get("/somewhere/", HTTP_REFERER="http://testserver/back/")
    request.user = carer_member
    middleware = RefusalMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    refused = middleware.process_exception(request, RuleError("Voting has closed."))
    assert refused is not None
    assert refused.status_code == 409
    assert "Voting has closed." in refused.content.decode()
    assert 'href="http://testserver/back/"' in refused.content.decode()
    forbidden = middleware.process_exception(request, RightsError("no"))
    assert forbidden is not None
    assert forbidden.status_code == 403
    assert middleware.process_exception(request, ValueError("a bug")) is None


# --- Loaded once per request ---------------------------------------------------------------


def _voting_stage(project: Project, facilitator: User, author: User, options: int) -> Stage:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for number in range(options):
        services.proposal_create(actor=author, stage=stage, title=f"Idea {number}", body="b")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def test_the_stage_page_makes_the_same_queries_however_many_people_and_proposals(
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    django_assert_num_queries,
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, options=2)
    client.force_login(carer_member)
    client.get(stage.get_absolute_url())  # the session is read and the rules made once
    with CaptureQueriesContext(connection) as few:
        assert client.get(stage.get_absolute_url()).status_code == 200
    Stage.objects.filter(pk=stage.pk).update(state="open")
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    for number in range(8):
        services.proposal_create(
            actor=clinician_member, stage=stage, title=f"More {number}", body="b"
        )
    Stage.objects.filter(pk=stage.pk).update(state="voting")
    with django_assert_num_queries(len(few)):
        assert client.get(stage.get_absolute_url()).status_code == 200
    # The table each statement reads first (the rights' subquery checks memberships too).
    main_tables = [q["sql"].split(" FROM ", 1)[-1].split(" ", 1)[0] for q in few.captured_queries]
    membership_reads = [t for t in main_tables if t == '"projects_membership"']
    project_reads = [q for q in few.captured_queries if 'FROM "projects_project"' in q["sql"]]
    stage_reads = [q for q in few.captured_queries if "coproduce_stage_page_" in q["sql"]]
    # The project, the person's membership and rights come in the stage's query (a
    # statement prepared once per connection: its text is in projects.access).
    assert (len(membership_reads), len(project_reads), len(stage_reads)) == (0, 0, 1)
    stage_sql = access._stage_sql(())
    assert 'JOIN "projects_project" AS "project"' in stage_sql
    assert 'JOIN "projects_membership" AS "membership"' in stage_sql


def test_casting_a_vote_makes_the_same_queries_however_many_options(
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
) -> None:
    def cast(voter: User, stage: Stage) -> CaptureQueriesContext:
        client.force_login(voter)
        first = services.stage_options(stage)[0]
        client.get(_url("ballot", stage))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(_url("ballot", stage), {f"option-{first.pk}": "1"})
        assert response.status_code == 302, response.content.decode()[:2000]
        return queries

    stage = _voting_stage(project, facilitator, carer_member, options=2)
    few = cast(carer_member, stage)
    Stage.objects.filter(pk=stage.pk).update(state="open")
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    for number in range(8):
        services.proposal_create(actor=carer_member, stage=stage, title=f"More {number}", body="b")
    Stage.objects.filter(pk=stage.pk).update(state="voting")
    many = cast(clinician_member, stage)
    assert len(many) == len(few)
    membership_reads = [q for q in few.captured_queries if 'FROM "projects_membership"' in q["sql"]]
    assert len(membership_reads) <= 2  # the page's access, and the ballot's group (locked)


def test_review_verdicts_are_offered_and_accepted_only_for_a_review_stage(
    client, project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=2)  # priority setting
    assert stage.kind != Stage.Kind.REVIEW
    client.force_login(facilitator)
    page = client.get(_url("voting_rules", stage))
    assert page.status_code == 200
    assert 'value="verdict"' not in page.text
    assert 'value="dots"' in page.text
    response = client.post(_url("voting_rules", stage), _rules_form(voting_method="verdict"))
    assert response.status_code == 200  # refused on the form, nothing lost
    assert "Select a valid choice" in response.text or "review stage" in response.text
    assert _rules_in_force(stage).voting_method != "verdict"
    with pytest.raises(RuleError, match="review stage"):
        services.voting_rules_update(actor=facilitator, stage=stage, voting_method="verdict")
    assert _rules_in_force(stage).voting_method != "verdict"

    review = project.stages.filter(kind=Stage.Kind.REVIEW).first()
    if review is None:
        review = project_services.stage_create(
            actor=facilitator, project=project, title="Did we do it?", kind=Stage.Kind.REVIEW
        )
    assert 'value="verdict"' in client.get(_url("voting_rules", review)).text
    services.voting_rules_update(actor=facilitator, stage=review, voting_method="verdict")
    assert _rules_in_force(review).voting_method == "verdict"
