"""Taking part with help: a facilitator records the vote of a member who asked (by phone, on
paper, in a meeting). It is stored like any other ballot, marked "with help" only in the
participation and the trail (never what was chosen), the member is told and can change it,
and the facilitator's page never shows the member's earlier vote."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from decisions import services
from decisions.models import Ballot, Comment, Participation, Proposal
from participants.models import User
from participants.notifications.models import Kind, Notification
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db


def _voting_stage(project: Project, facilitator: User, author: User) -> Stage:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=author, stage=stage, title=title, body="Why it matters.")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _url(name: str, stage: Stage) -> str:
    return reverse(name, kwargs={"project_id": stage.project_id, "stage_id": stage.pk})


def _form(member: User, option_id: object, **changes: str) -> dict[str, str]:
    return {
        "member": str(member.pk),
        "how": "phone",
        "member_asked": "on",
        f"option-{option_id}": "1",
        **changes,
    }


def test_a_facilitator_records_a_members_vote_as_they_asked(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    quiet_room = services.stage_options(stage)[1]
    client.force_login(facilitator)

    page = client.get(_url("decisions:ballot_with_help", stage))
    assert page.status_code == 200
    assert "You will know how this member voted" in page.text
    assert carer_member.display_name in page.text  # the members to choose from

    response = client.post(
        _url("decisions:ballot_with_help", stage), _form(carer_member, quiet_room.pk), follow=True
    )
    assert f"The vote for {carer_member.display_name} is recorded" in response.text

    ballot = Ballot.objects.get(stage=stage)
    assert ballot.voter_key == services.voter_key(carer_member, stage)  # the member's own
    assert ballot.content == {"dots": {str(quiet_room.pk): 1}}
    assert ballot.voter_id is None  # secret, like every ballot
    participation = Participation.objects.get(stage=stage)
    assert (participation.user, participation.with_help) == (carer_member, True)

    # The member's vote is counted like any other (per day, never one by one); the help is
    # an entry of its own that names who helped and how, not for whom nor what.
    cast = AuditEvent.objects.get(action="ballot.cast")
    assert cast.actor_id == carer_member.pk
    helped = AuditEvent.objects.get(action="help.vote_recorded")
    assert helped.actor_id == facilitator.pk
    assert helped.details == {"stage": str(stage.pk), "how": "phone"}

    told = Notification.objects.get(recipient=carer_member, kind=Kind.RECORDED_FOR_YOU)
    assert told.subject == "A facilitator recorded a vote for you"
    assert "Quiet room" not in told.body  # never what was chosen
    assert told.link == _url("decisions:ballot", stage)


def test_the_member_sees_that_it_was_recorded_for_them_and_changes_it_themselves(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    first, second, _third = services.stage_options(stage)
    services.ballot_cast_with_help(
        actor=facilitator,
        member=carer_member,
        stage=stage,
        raw={str(first.pk): 1},
        how="paper",
        member_asked=True,
    )
    client.force_login(carer_member)
    page = client.get(_url("decisions:ballot", stage))
    assert "A facilitator recorded a vote for you in this stage" in page.text
    assert page.context["form"][f"option-{first.pk}"].value() == 1  # their vote, shown to them

    client.post(_url("decisions:ballot", stage), {f"option-{second.pk}": "1"})
    assert Ballot.objects.get(stage=stage).content == {"dots": {str(second.pk): 1}}
    assert Participation.objects.filter(stage=stage).count() == 1


def test_the_facilitators_page_never_shows_a_members_earlier_vote(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    first = services.stage_options(stage)[0]
    services.ballot_cast(actor=carer_member, stage=stage, raw={str(first.pk): 1})
    client.force_login(facilitator)
    form = client.get(_url("decisions:ballot_with_help", stage)).context["form"]
    assert form["member"].value() in (None, "")
    for option in services.stage_options(stage):
        assert form[f"option-{option.pk}"].value() in (0, None, "")


def test_without_the_members_request_nothing_is_recorded_and_what_was_typed_is_kept(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    option = services.stage_options(stage)[2]
    client.force_login(facilitator)
    data = _form(carer_member, option.pk)
    del data["member_asked"]
    response = client.post(_url("decisions:ballot_with_help", stage), data)
    assert response.status_code == 200
    assert "only when they ask you to: tick the box to confirm" in response.text
    form = response.context["form"]
    assert form["member"].value() == str(carer_member.pk)
    assert form["how"].value() == "phone"
    assert form[f"option-{option.pk}"].value() == "1"
    assert not Ballot.objects.filter(stage=stage).exists()
    assert not Participation.objects.filter(stage=stage).exists()
    assert not Notification.objects.filter(kind=Kind.RECORDED_FOR_YOU).exists()


def test_too_many_dots_are_explained_and_nothing_is_recorded(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    option = services.stage_options(stage)[0]
    client.force_login(facilitator)
    response = client.post(
        _url("decisions:ballot_with_help", stage),
        _form(carer_member, option.pk, **{f"option-{option.pk}": "99"}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Ballot.objects.filter(stage=stage).exists()


def test_only_a_member_who_can_vote_can_have_a_vote_recorded(
    project: Project,
    facilitator: User,
    manager: User,
    outsider: User,
    carer_member: User,
    clinician_member: User,
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    raw = {str(services.stage_options(stage)[0].pk): 1}
    for person in (manager, outsider, facilitator):  # an observer, a stranger, themselves
        with pytest.raises(RuleError):
            services.ballot_cast_with_help(
                actor=facilitator,
                member=person,
                stage=stage,
                raw=raw,
                how="phone",
                member_asked=True,
            )
    with pytest.raises(RightsError):  # a member cannot record a vote for another
        services.ballot_cast_with_help(
            actor=clinician_member,
            member=carer_member,
            stage=stage,
            raw=raw,
            how="phone",
            member_asked=True,
        )
    assert not Ballot.objects.filter(stage=stage).exists()
    assert not AuditEvent.objects.filter(action="help.vote_recorded").exists()


def test_after_the_close_a_ballot_recorded_with_help_is_sealed_like_the_others(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    first, second, _third = services.stage_options(stage)
    services.ballot_cast(actor=clinician_member, stage=stage, raw={str(first.pk): 1})
    services.ballot_cast_with_help(
        actor=facilitator,
        member=carer_member,
        stage=stage,
        raw={str(second.pk): 1},
        how="meeting",
        member_asked=True,
    )
    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    rows = list(Ballot.objects.filter(stage=stage).values("voter_key", "voter_id"))
    assert rows == [{"voter_key": None, "voter_id": None}] * 2  # nothing tells them apart
    with pytest.raises(RightsError):  # and no vote is recorded after the close
        services.ballot_cast_with_help(
            actor=facilitator,
            member=carer_member,
            stage=Stage.objects.get(pk=stage.pk),
            raw={str(first.pk): 1},
            how="phone",
            member_asked=True,
        )


def test_a_vote_the_member_cast_is_replaced_and_marked_as_recorded_with_help(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    first, second, _third = services.stage_options(stage)
    services.ballot_cast(actor=carer_member, stage=stage, raw={str(first.pk): 1})
    services.ballot_cast_with_help(
        actor=facilitator,
        member=carer_member,
        stage=stage,
        raw={str(second.pk): 1},
        how="phone",
        member_asked=True,
    )
    assert Ballot.objects.get(stage=stage).content == {"dots": {str(second.pk): 1}}
    taken_part = Participation.objects.get(stage=stage)
    assert taken_part.user_id == carer_member.pk
    assert taken_part.with_help


def test_a_review_ballot_paper_offers_the_three_verdicts(
    client, project: Project, facilitator: User
) -> None:
    review = project_services.stage_create(
        actor=facilitator, project=project, title="Did it work?", kind=Stage.Kind.REVIEW
    )
    services.voting_rules_update(actor=facilitator, stage=review, voting_method="verdict")
    review = project_services.stage_transition(actor=facilitator, stage=review, to_state="open")
    client.force_login(facilitator)
    page = client.get(_url("decisions:ballot_paper", review))
    assert page.status_code == 200
    assert "done as decided, done differently, or not done" in page.text
    assert "Done as decided · Done differently · Not done" in page.text
    assert "Your comments (optional):" in page.text


def test_no_ballot_paper_once_the_project_has_stopped(
    client, project: Project, facilitator: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    client.force_login(facilitator)
    assert client.get(_url("decisions:ballot_paper", stage)).status_code == 200
    Project.objects.filter(pk=project.pk).update(status=Project.Status.FINISHED)
    assert client.get(_url("decisions:ballot_paper", stage)).status_code in (403, 404)


def test_the_ballot_paper_has_the_options_and_no_names(
    client, project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, clinician_member)
    client.force_login(facilitator)
    page = client.get(_url("decisions:ballot_paper", stage))
    assert page.status_code == 200
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        assert title in page.text
    assert "Write how many dots you give to each option" in page.text
    main = page.text.split('id="maincontent"', 1)[1]
    for person in (carer_member, clinician_member, facilitator):
        assert person.display_name not in main
        assert person.email not in main


def test_a_facilitator_adds_a_proposal_and_a_comment_for_a_member_who_asked(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    client.force_login(facilitator)
    response = client.post(
        _url("decisions:proposal_with_help", stage),
        {
            "member": str(carer_member.pk),
            "how": "meeting",
            "member_asked": "on",
            "title": "Someone to call back",
            "body": "Said at the meeting: a call back within the hour.",
        },
        follow=True,
    )
    assert f"The proposal is added for {carer_member.display_name}" in response.text
    proposal = Proposal.objects.get(stage=stage)
    assert proposal.author == carer_member  # theirs: they can change or withdraw it
    event = AuditEvent.objects.get(action="proposal.created_with_help")
    assert event.actor_id == facilitator.pk
    assert event.details["member"] == str(carer_member.pk)
    assert "call back" not in str(event.details)  # never the content

    comment_url = reverse(
        "decisions:comment_with_help",
        kwargs={"project_id": project.pk, "stage_id": stage.pk, "proposal_id": proposal.pk},
    )
    # Forgetting the tick keeps what was typed.
    typed = {"member": str(carer_member.pk), "how": "phone", "body": "Yes, within the hour."}
    response = client.post(comment_url, typed)
    assert response.status_code == 200
    assert "Yes, within the hour." in response.text
    assert not Comment.objects.exists()
    client.post(comment_url, {**typed, "member_asked": "on"})
    comment = Comment.objects.get(proposal=proposal)
    assert (comment.author, comment.body) == (carer_member, "Yes, within the hour.")
    assert AuditEvent.objects.filter(action="comment.created_with_help").count() == 1
    told = Notification.objects.filter(recipient=carer_member, kind=Kind.RECORDED_FOR_YOU)
    assert sorted(n.subject for n in told) == [
        "A facilitator recorded a comment for you",
        "A facilitator recorded a proposal for you",
    ]


def test_a_member_cannot_add_a_proposal_for_another_member(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    with pytest.raises(RightsError):
        services.proposal_create_with_help(
            actor=clinician_member,
            member=carer_member,
            stage=stage,
            title="Not mine",
            body="Not my words.",
            how="phone",
            member_asked=True,
        )
    assert not Proposal.objects.exists()
