"""Proposals and comments: proposing, changing, moderating, combining and carrying forward."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError
from decisions import services
from decisions.models import Comment, Proposal
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_stage(project: Project, facilitator: User) -> Stage:
    stage = project.stages.get(position=1)
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")


def _propose(stage: Stage, author: User, title: str, body: str = "Because it matters.") -> Proposal:
    return services.proposal_create(actor=author, stage=stage, title=title, body=body)


def _url(name: str, stage: Stage, **kwargs: object) -> str:
    return reverse(
        f"decisions:{name}", kwargs={"project_id": stage.project_id, "stage_id": stage.pk, **kwargs}
    )


def _actions(project: Project) -> list[str]:
    return list(
        AuditEvent.objects.filter(project_id=project.pk)
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# --- Through the pages -----------------------------------------------------------------


def test_a_member_proposes_and_everyone_in_the_project_sees_it(
    client, open_stage: Stage, carer_member: User, manager: User
) -> None:
    client.force_login(carer_member)
    response = client.post(
        _url("proposal_create", open_stage),
        {"title": "A named night worker", "body": "Callers meet the same person."},
    )
    proposal = Proposal.objects.get(title="A named night worker")
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.author == carer_member
    assert _actions(open_stage.project)[-1] == "proposal.created"
    client.force_login(manager)
    listing = client.get(_url("proposals", open_stage))
    assert "A named night worker" in listing.text
    assert "Steady Rowan" in listing.text


def test_a_too_long_proposal_gets_a_kind_error_and_keeps_the_text(
    client, open_stage: Stage, carer_member: User
) -> None:
    client.force_login(carer_member)
    long_body = "word " * 500
    response = client.post(
        _url("proposal_create", open_stage), {"title": "Kept title", "body": long_body}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="#id_body"' in response.text
    assert 'value="Kept title"' in response.text
    assert long_body.strip() in response.text
    assert not Proposal.objects.exists()


def test_facilitators_and_observers_cannot_propose(
    client, open_stage: Stage, facilitator: User, manager: User
) -> None:
    for person in (facilitator, manager):
        client.force_login(person)
        assert client.get(_url("proposal_create", open_stage)).status_code == 403
        response = client.post(_url("proposal_create", open_stage), {"title": "t", "body": "b"})
        assert response.status_code == 403
    assert not Proposal.objects.exists()


def test_outsiders_get_404_and_anonymous_visitors_sign_in(
    client, open_stage: Stage, outsider: User
) -> None:
    url = _url("proposals", open_stage)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_nobody_proposes_in_a_stage_that_is_not_open(
    client, project: Project, carer_member: User
) -> None:
    draft = project.stages.get(position=3)
    client.force_login(carer_member)
    assert client.get(_url("proposal_create", draft)).status_code == 403


def test_search_and_paging(client, open_stage: Stage, carer_member: User) -> None:
    for number in range(30):
        _propose(open_stage, carer_member, f"Idea {number}", "Something about staffing.")
    _propose(open_stage, carer_member, "Quiet rooms", "Somewhere calm to wait at night.")
    client.force_login(carer_member)
    first = client.get(_url("proposals", open_stage))
    assert "31 proposals" in first.text
    assert "Page 2 of 2" in first.text
    found = client.get(_url("proposals", open_stage), {"q": "calm waiting"})
    assert "1 proposal" in found.text
    assert "Quiet rooms" in found.text
    assert "Idea 3" not in found.text
    nothing = client.get(_url("proposals", open_stage), {"q": "helicopter"})
    assert "No proposals match your search" in nothing.text


def test_the_list_queries_do_not_grow_with_proposals(
    client, open_stage: Stage, carer_member: User, lived_experience_member: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = _propose(open_stage, carer_member, "First")
    opening = services.comment_create(actor=carer_member, proposal=first, body="opening")
    services.comment_create(actor=carer_member, proposal=first, body="reply", parent=opening)
    client.force_login(carer_member)
    with CaptureQueriesContext(connection) as few:
        client.get(_url("proposals", open_stage))
        client.get(first.get_absolute_url())
    for number in range(15):
        proposal = _propose(open_stage, lived_experience_member, f"More {number}")
        comment = services.comment_create(actor=carer_member, proposal=first, body=f"c{number}")
        services.comment_create(
            actor=lived_experience_member, proposal=first, body="reply", parent=comment
        )
        del proposal
    with CaptureQueriesContext(connection) as many:
        client.get(_url("proposals", open_stage))
        client.get(first.get_absolute_url())
    assert len(many) == len(few)


# --- Authors change their own proposals until voting opens ---------------------------


def test_authors_edit_and_withdraw_until_voting_opens(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=2), to_state="open"
    )
    proposal = _propose(stage, carer_member, "Original")
    client.force_login(clinician_member)
    assert client.get(_url("proposal_edit", stage, proposal_id=proposal.pk)).status_code == 403
    client.force_login(carer_member)
    client.post(
        _url("proposal_edit", stage, proposal_id=proposal.pk), {"title": "Better", "body": "b"}
    )
    proposal.refresh_from_db()
    assert proposal.title == "Better"
    assert proposal.edited_at is not None

    project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    assert client.get(_url("proposal_edit", stage, proposal_id=proposal.pk)).status_code == 403
    with pytest.raises(RightsError):
        services.proposal_withdraw(
            actor=carer_member, proposal=Proposal.objects.get(pk=proposal.pk)
        )
    proposal.refresh_from_db()
    assert proposal.status == "active"


def test_withdrawing_keeps_the_proposal_for_its_author(
    client, open_stage: Stage, carer_member: User, clinician_member: User
) -> None:
    proposal = _propose(open_stage, carer_member, "Changed my mind")
    client.force_login(carer_member)
    client.post(_url("proposal_withdraw", open_stage, proposal_id=proposal.pk))
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert "Changed my mind" in client.get(_url("proposals", open_stage)).text  # own list
    client.force_login(clinician_member)
    assert "Changed my mind" not in client.get(_url("proposals", open_stage)).text


# --- Comments --------------------------------------------------------------------------


def test_members_comment_and_reply_one_level_deep(
    client, open_stage: Stage, carer_member: User, clinician_member: User
) -> None:
    proposal = _propose(open_stage, carer_member, "Quiet rooms")
    client.force_login(clinician_member)
    client.post(proposal.get_absolute_url(), {"body": "We have a room we could use."})
    top = Comment.objects.get()
    client.force_login(carer_member)
    client.post(proposal.get_absolute_url(), {"body": "That would help.", "parent": top.pk})
    reply = Comment.objects.get(parent=top)
    services.comment_create(actor=clinician_member, proposal=proposal, body="Agreed", parent=reply)
    assert Comment.objects.filter(parent=top).count() == 2  # a reply to a reply joins the thread
    page = client.get(proposal.get_absolute_url())
    assert "We have a room we could use." in page.text
    assert "That would help." in page.text


def test_an_empty_comment_is_refused_kindly(client, open_stage: Stage, carer_member: User) -> None:
    proposal = _propose(open_stage, carer_member, "Quiet rooms")
    client.force_login(carer_member)
    response = client.post(proposal.get_absolute_url(), {"body": ""})
    assert "Write your comment." in response.text
    assert not Comment.objects.exists()


def test_authors_edit_and_delete_their_own_comments_only(
    client, open_stage: Stage, carer_member: User, clinician_member: User
) -> None:
    proposal = _propose(open_stage, carer_member, "Quiet rooms")
    comment = services.comment_create(actor=carer_member, proposal=proposal, body="First try")
    ids = {"proposal_id": proposal.pk, "comment_id": comment.pk}
    client.force_login(clinician_member)
    assert client.post(_url("comment_edit", open_stage, **ids), {"body": "x"}).status_code == 403
    assert client.post(_url("comment_delete", open_stage, **ids)).status_code == 403
    client.force_login(carer_member)
    client.post(_url("comment_edit", open_stage, **ids), {"body": "Second try"})
    comment.refresh_from_db()
    assert comment.body == "Second try"
    client.post(_url("comment_delete", open_stage, **ids))
    comment.refresh_from_db()
    assert comment.deleted_at is not None
    assert comment.body == ""
    assert "This comment was deleted by its author." in client.get(proposal.get_absolute_url()).text


# --- Moderation ------------------------------------------------------------------------


def test_a_facilitator_hides_a_proposal_and_its_author_sees_why(
    client, open_stage: Stage, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    proposal = _propose(open_stage, carer_member, "Names a member of staff")
    client.force_login(facilitator)
    refused = client.post(
        _url("proposal_hide", open_stage, proposal_id=proposal.pk), {"reason": ""}
    )
    assert "Give a reason. The author will see it." in refused.text
    client.post(
        _url("proposal_hide", open_stage, proposal_id=proposal.pk),
        {"reason": "It names a member of staff."},
    )
    proposal.refresh_from_db()
    assert proposal.status == "hidden"
    assert _actions(open_stage.project)[-1] == "proposal.hidden"
    # The reason is the facilitator's free text: it is not copied into the trail.
    event = AuditEvent.objects.filter(action="proposal.hidden").get()
    assert "staff" not in str(event.details)

    client.force_login(carer_member)
    assert "It names a member of staff." in client.get(proposal.get_absolute_url()).text
    client.force_login(clinician_member)
    page = client.get(proposal.get_absolute_url())
    assert "It names a member of staff." not in page.text
    assert "Names a member of staff" not in client.get(_url("proposals", open_stage)).text


def test_members_cannot_moderate(client, open_stage: Stage, carer_member: User) -> None:
    proposal = _propose(open_stage, carer_member, "Mine")
    client.force_login(carer_member)
    url = _url("proposal_hide", open_stage, proposal_id=proposal.pk)
    assert client.post(url, {"reason": "no"}).status_code == 403


def test_a_facilitator_hides_a_comment(
    client, open_stage: Stage, facilitator: User, carer_member: User
) -> None:
    proposal = _propose(open_stage, carer_member, "Quiet rooms")
    comment = services.comment_create(actor=carer_member, proposal=proposal, body="Rude words")
    client.force_login(facilitator)
    client.post(
        _url("comment_hide", open_stage, proposal_id=proposal.pk, comment_id=comment.pk),
        {"reason": "Please keep it kind."},
    )
    comment.refresh_from_db()
    assert comment.hidden
    assert "Rude words" not in client.get(proposal.get_absolute_url()).text


# --- Combining and carrying forward ---------------------------------------------------


def test_combining_duplicates_keeps_the_originals_and_their_trail(
    client,
    open_stage: Stage,
    facilitator: User,
    carer_member: User,
    lived_experience_member: User,
) -> None:
    first = _propose(open_stage, carer_member, "More night staff")
    second = _propose(open_stage, lived_experience_member, "Enough people at night")
    client.force_login(facilitator)
    response = client.post(
        _url("proposal_merge", open_stage),
        {
            "proposals": [str(first.pk), str(second.pk)],
            "title": "Enough staff at night",
            "body": "Both say the same.",
            "note": "These said the same thing.",
        },
    )
    merged = Proposal.objects.get(title="Enough staff at night")
    assert response["Location"] == merged.get_absolute_url()
    first.refresh_from_db()
    assert first.status == "merged"
    assert first.merged_into == merged
    page = client.get(merged.get_absolute_url())
    assert "Where this proposal came from" in page.text
    assert "More night staff" in page.text
    assert "Enough people at night" in page.text
    original = client.get(first.get_absolute_url())
    assert "These said the same thing." in original.text
    assert "More night staff" in original.text


def test_combining_needs_two_and_stops_when_voting_opens(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=2), to_state="open"
    )
    first = _propose(stage, carer_member, "One")
    second = _propose(stage, carer_member, "Two")
    client.force_login(facilitator)
    refused = client.post(
        _url("proposal_merge", stage),
        {"proposals": [str(first.pk)], "title": "t", "body": "b"},
    )
    assert "Choose at least two proposals to combine." in refused.text
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    assert client.get(_url("proposal_merge", stage)).status_code == 403
    with pytest.raises(RightsError):
        services.proposal_merge(
            actor=facilitator,
            stage=Stage.objects.get(pk=stage.pk),
            proposals=[first, second],
            title="t",
            body="b",
            note="",
        )


def test_carrying_forward_keeps_the_thread_from_the_first_idea(
    client, open_stage: Stage, project: Project, facilitator: User, carer_member: User
) -> None:
    idea = _propose(open_stage, carer_member, "Calls go unanswered at 3am")
    project_services.stage_transition(actor=facilitator, stage=open_stage, to_state="closed")
    next_stage = project.stages.get(position=2)
    client.force_login(facilitator)
    response = client.post(
        _url("carry_forward", open_stage),
        {"to_stage": str(next_stage.pk), "proposals": [str(idea.pk)]},
    )
    assert response.status_code == 302
    carried = Proposal.objects.get(stage=next_stage)
    assert carried.carried_from == idea
    assert carried.title == idea.title
    # Carrying twice does not make duplicates.
    services.proposals_carry_forward(
        actor=facilitator,
        from_stage=Stage.objects.get(pk=open_stage.pk),
        to_stage=next_stage,
        proposals=[idea],
    )
    assert Proposal.objects.filter(stage=next_stage).count() == 1
    page = client.get(carried.get_absolute_url())
    assert "carried forward from What should change?" in page.text
    assert _actions(project)[-2] == "proposals.carried_forward"


def test_only_a_closed_stage_can_be_carried_forward(
    client, open_stage: Stage, facilitator: User
) -> None:
    client.force_login(facilitator)
    assert client.get(_url("carry_forward", open_stage)).status_code == 403


# --- The permission matrix for proposal actions, by role and stage state ---------------

_MEMBERS = {"lived_experience_member", "carer_member", "clinician_member"}
_CAST = (*sorted(_MEMBERS), "facilitator", "manager", "outsider")


@pytest.mark.parametrize("state", ["draft", "open", "voting", "closed"])
def test_proposal_permission_matrix(
    request: pytest.FixtureRequest, project: Project, carer_member: User, state: str
) -> None:
    from decisions import permissions

    stage = project.stages.get(position=2)
    stage.state = "open"
    stage.save(update_fields=["state"])
    proposal = _propose(stage, carer_member, "Carer's idea")
    comment = services.comment_create(actor=carer_member, proposal=proposal, body="mine")
    Stage.objects.filter(pk=stage.pk).update(state=state)
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    proposal.stage = stage
    comment.proposal = proposal
    people = {name: User.objects.get(pk=request.getfixturevalue(name).pk) for name in _CAST}
    expected = {
        "propose": _MEMBERS if state == "open" else set(),
        "change_proposal": {"carer_member"} if state == "open" else set(),
        "comment": _MEMBERS if state == "open" else set(),
        "change_comment": {"carer_member"} if state == "open" else set(),
        "moderate": {"facilitator"},
        "merge": {"facilitator"} if state in ("draft", "open") else set(),
        "carry_forward": {"facilitator"} if state == "closed" else set(),
    }
    checks = {
        "propose": lambda person: permissions.can_propose(person, stage),
        "change_proposal": lambda person: permissions.can_change_proposal(person, proposal),
        "comment": lambda person: permissions.can_comment(person, proposal),
        "change_comment": lambda person: permissions.can_change_comment(person, comment),
        "moderate": lambda person: permissions.can_moderate(person, stage),
        "merge": lambda person: permissions.can_merge(person, stage),
        "carry_forward": lambda person: permissions.can_carry_forward(person, stage),
    }
    for action, check in checks.items():
        allowed = {name for name, person in people.items() if check(person)}
        assert allowed == expected[action], (action, state)


def test_proposals_cannot_be_hidden_once_voting_opens(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=2), to_state="open"
    )
    proposal = _propose(stage, carer_member, "An option")
    client.force_login(facilitator)
    assert "Hide this proposal" in client.get(proposal.get_absolute_url()).text
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    assert "Hide this proposal" not in client.get(proposal.get_absolute_url()).text
    url = _url("proposal_hide", stage, proposal_id=proposal.pk)
    assert client.post(url, {"reason": "late"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "active"
