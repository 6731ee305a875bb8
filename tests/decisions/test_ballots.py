"""Ballots: one per member per stage whatever the retries, secret by default, rules checked."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from decisions import services
from decisions.counting import BallotError
from decisions.models import Ballot, Participation, Proposal
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage


def _voting_stage(project: Project, facilitator: User, author: User, method: str, **rules) -> Stage:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method=method, **rules)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=author, stage=stage, title=title, body="Why it matters.")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _ids(stage: Stage) -> list[str]:
    return [str(option.pk) for option in services.stage_options(stage)]


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db(transaction=True)
def test_many_simultaneous_submissions_make_one_ballot(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "ranking", max_ranks=3)
    first, second, third = _ids(stage)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def vote(order: list[str]) -> None:
        try:
            barrier.wait()
            services.ballot_cast(
                actor=_fresh(carer_member),
                stage=Stage.objects.select_related("project").get(pk=stage.pk),
                raw={option: rank for rank, option in enumerate(order, start=1)},
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    orders = [[first, second, third], [third, second, first]] * 4
    threads = [threading.Thread(target=vote, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Ballot.objects.filter(stage=stage).count() == 1
    assert Participation.objects.filter(stage=stage).count() == 1
    assert Ballot.objects.get(stage=stage).content["ranking"] in (
        [first, second, third],
        [third, second, first],
    )


pytestmark = pytest.mark.django_db


def test_a_secret_ballot_carries_no_voter_and_the_trail_says_only_that_they_voted(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=3)
    first, second, _third = _ids(stage)
    services.ballot_cast(actor=_fresh(clinician_member), stage=stage, raw={first: 2, second: 1})
    ballot = Ballot.objects.get(stage=stage)
    assert ballot.voter is None
    assert ballot.constituency == "clinician"
    assert ballot.content == {"dots": {first: 2, second: 1}}
    event = AuditEvent.objects.filter(action="ballot.cast").get()
    assert event.actor_id == clinician_member.pk
    assert first not in str(event.details)
    assert services.own_ballot(clinician_member, stage) == ballot
    assert services.own_ballot(carer_member, stage) is None


def test_a_member_changes_their_vote_until_voting_closes(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "scoring")
    first, second, third = _ids(stage)
    services.ballot_cast(actor=_fresh(carer_member), stage=stage, raw={first: 9})
    services.ballot_cast(actor=_fresh(carer_member), stage=stage, raw={first: 2, third: 8})
    assert Ballot.objects.get(stage=stage).content == {"scores": {first: 2, third: 8}}
    services.voting_close(actor=facilitator, stage=stage)
    with pytest.raises(RightsError):
        services.ballot_cast(
            actor=_fresh(carer_member),
            stage=Stage.objects.select_related("project").get(pk=stage.pk),
            raw={second: 5},
        )
    assert Ballot.objects.get(stage=stage).content == {"scores": {first: 2, third: 8}}


def test_an_open_ballot_names_the_voter(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "consent", open_ballot=True)
    raw = {option: {"answer": "agree"} for option in _ids(stage)}
    services.ballot_cast(actor=_fresh(carer_member), stage=stage, raw=raw)
    assert Ballot.objects.get(stage=stage).voter == carer_member


def test_ballots_that_break_the_rules_are_refused_with_a_plain_message(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=2)
    first, second, third = _ids(stage)
    with pytest.raises(BallotError, match="dots"):
        services.ballot_cast(
            actor=_fresh(carer_member), stage=stage, raw={first: 1, second: 1, third: 1}
        )
    assert not Ballot.objects.exists()
    assert not Participation.objects.exists()


def test_a_block_needs_a_reason(project: Project, facilitator: User, carer_member: User) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "consent")
    raw = {option: {"answer": "agree"} for option in _ids(stage)}
    raw[_ids(stage)[0]] = {"answer": "block", "reason": ""}
    with pytest.raises(BallotError, match="reason"):
        services.ballot_cast(actor=_fresh(carer_member), stage=stage, raw=raw)


def test_only_members_vote_and_only_while_voting_is_open(
    project: Project, facilitator: User, carer_member: User, manager: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "ranking")
    for person in (facilitator, manager):
        with pytest.raises(RightsError):
            services.ballot_cast(actor=_fresh(person), stage=stage, raw={_ids(stage)[0]: 1})
    assert not Ballot.objects.exists()


def test_options_are_fixed_once_voting_opens(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "ranking")
    proposal = Proposal.objects.filter(stage=stage).first()
    with pytest.raises(RightsError):
        services.proposal_create(actor=_fresh(carer_member), stage=stage, title="Late", body="x")
    with pytest.raises(RuleError):
        services.proposal_hide(actor=facilitator, proposal=proposal, reason="late")
    assert len(services.stage_options(stage)) == 3


# --- Closing the vote and the decision record --------------------------------------------


def _vote(stage: Stage, person: User, raw: dict) -> None:  # type: ignore[type-arg]
    services.ballot_cast(
        actor=_fresh(person),
        stage=Stage.objects.select_related("project").get(pk=stage.pk),
        raw=raw,
    )


def test_closing_voting_records_the_full_result_once(
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    lived_experience_member: User,
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "ranking", max_ranks=2)
    worker, room, call_back = _ids(stage)
    _vote(stage, lived_experience_member, {room: 1, worker: 2})
    _vote(stage, carer_member, {room: 1, call_back: 2})
    _vote(stage, clinician_member, {worker: 1, room: 2})

    record = services.voting_close(actor=facilitator, stage=stage)
    again = services.voting_close(actor=facilitator, stage=stage)
    assert again == record
    assert Stage.objects.get(pk=stage.pk).state == "closed"
    # Points: room 2+2+1 = 5, worker 1+2 = 3, call-back 1.
    assert [row["title"] for row in record.table["rows"]] == [
        "Quiet room",
        "Named night worker",
        "Call-back promise",
    ]
    assert [row["figure"] for row in record.table["rows"]] == ["5", "3", "1"]
    assert record.outcome.startswith("Top priority by points: Quiet room.")
    assert record.electorate == {"lived_experience": 1, "carer": 1, "clinician": 1}
    assert record.turnout == {"lived_experience": 1, "carer": 1, "clinician": 1}
    assert record.quorum_met is None
    assert set(record.table["parts"]) == {"lived_experience", "carer", "clinician"}
    actions = list(
        AuditEvent.objects.filter(project_id=project.pk).values_list("action", flat=True)
    )
    assert actions.count("decision.recorded") == 1
    assert actions.count("stage.closed") == 1


def test_the_decision_record_cannot_be_changed(
    project: Project, facilitator: User, carer_member: User
) -> None:
    from django.db import DatabaseError, transaction

    from decisions.models import DecisionRecord

    stage = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=1)
    _vote(stage, carer_member, {_ids(stage)[0]: 1})
    record = services.voting_close(actor=facilitator, stage=stage)
    with pytest.raises(DatabaseError), transaction.atomic():
        DecisionRecord.objects.filter(pk=record.pk).update(outcome="Something else.")
    record.refresh_from_db()
    assert record.outcome.startswith("Most dots: Named night worker")


def test_a_vote_cannot_be_closed_without_its_record(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "dots")
    with pytest.raises(RuleError, match="voting page"):
        project_services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    assert Stage.objects.get(pk=stage.pk).state == "voting"


def test_quorum_is_checked_overall_and_per_group(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(
        project,
        facilitator,
        carer_member,
        "dots",
        quorum_percent=30,
        quorum_per_constituency_percent=50,
    )
    _vote(stage, carer_member, {_ids(stage)[0]: 1})
    record = services.voting_close(actor=facilitator, stage=stage)
    assert (
        record.quorum_met is False
    )  # one of three voted overall is enough, but two groups did not vote


def test_facilitators_add_a_rationale_and_every_version_is_kept(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "consent")
    _vote(stage, carer_member, {option: {"answer": "agree"} for option in _ids(stage)})
    record = services.voting_close(actor=facilitator, stage=stage)
    services.decision_note_write(
        actor=facilitator, record_=record, rationale="First", dissent="", next_steps=""
    )
    services.decision_note_write(
        actor=facilitator,
        record_=record,
        rationale="Second",
        dissent="Some worry",
        next_steps="Pilot",
    )
    assert [note.rationale for note in record.notes.all()] == ["Second", "First"]
    with pytest.raises(RightsError):
        services.decision_note_write(
            actor=_fresh(carer_member), record_=record, rationale="Mine", dissent="", next_steps=""
        )


@pytest.mark.django_db(transaction=True)
def test_closing_from_many_places_at_once_makes_one_record(
    project: Project, facilitator: User, carer_member: User
) -> None:
    from decisions.models import DecisionRecord

    stage = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=1)
    _vote(stage, carer_member, {_ids(stage)[0]: 1})
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def close(actor: User | None) -> None:
        try:
            barrier.wait()
            services.voting_close(actor=actor, stage=Stage.objects.get(pk=stage.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=close, args=(_fresh(facilitator) if n % 2 else None,))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
    assert AuditEvent.objects.filter(action="decision.recorded").count() == 1
