"""Sealed ballots: after voting closes, nothing stored ties a secret ballot to a person.

These tests read the tables as someone with the database (and BALLOT_SECRET_KEY) would:
raw SQL for PostgreSQL's own bookkeeping (`xmin`, the transaction that wrote a row;
`ctid`, where the row sits), and the keyed hash recomputed for every voter. Each
service call commits its own transaction (`transaction=True`), as in production, so
the transaction ids are real.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from coproduce.audit.models import AuditEvent
from decisions import services
from decisions.models import Ballot, DecisionRecord, Participation, VotingRules
from decisions.results import count_stage
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import join
from tests.factories import UserFactory

GROUPS = ("lived_experience", "carer", "clinician")


def _voting_stage(project: Project, facilitator: User, author: User, method: str, **rules) -> Stage:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method=method, **rules)
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    for title in ("Named night worker", "Quiet room", "Call-back promise"):
        services.proposal_create(actor=author, stage=stage, title=title, body="Why it matters.")
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")


def _voters(project: Project, count: int) -> list[User]:
    """`count` more members, spread over the groups."""
    people = []
    for number in range(count):
        person = UserFactory(email=f"voter{number}@example.org", display_name=f"Voter {number}")
        join(project, person, "member", GROUPS[number % len(GROUPS)])
        people.append(User.objects.get(pk=person.pk))
    return people


def _distinct_dots(options: list[str], count: int) -> list[dict[str, int]]:
    """`count` different ballots of at most 3 dots over the options."""
    found = []
    for dots in itertools.product(range(4), repeat=len(options)):
        if 0 < sum(dots) <= 3:
            found.append({option: n for option, n in zip(options, dots, strict=True) if n})
    assert len(found) >= count
    return found[:count]


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _ballot_rows(stage: Stage) -> list[tuple[str, str, str | None, str, Any]]:
    """(xmin, ctid, voter_key, id, content) of each ballot, in the table's physical order."""
    return [
        (xmin, ctid, key, str(pk), json.loads(content) if isinstance(content, str) else content)
        for xmin, ctid, key, pk, content in _rows(
            "SELECT xmin::text, ctid::text, voter_key, id, content FROM decisions_ballot "
            "WHERE stage_id = %s ORDER BY ctid",
            [stage.pk],
        )
    ]


def _xmins(table: str, where: str, params: list[Any]) -> set[str]:
    return {row[0] for row in _rows(f"SELECT xmin::text FROM {table} WHERE {where}", params)}  # noqa: S608 (names are ours)


def _jsonish(value: Any) -> Any:
    return json.loads(json.dumps(value))


@pytest.mark.django_db(transaction=True)
def test_after_close_nothing_in_the_tables_ties_a_ballot_to_its_voter(
    project: Project, facilitator: User, carer_member: User
) -> None:
    voters = _voters(project, 10)
    stage = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=3)
    options = [str(option.pk) for option in services.stage_options(stage)]
    ballots = _distinct_dots(options, len(voters))
    for voter, raw in zip(voters, ballots, strict=True):
        services.ballot_cast(actor=voter, stage=Stage.objects.get(pk=stage.pk), raw=raw)

    keys = [services.voter_key(voter, stage) for voter in voters]

    # While voting is open, the attack works: this is what sealing must undo. A ballot
    # is written in the transaction (or a savepoint of it) that wrote the trail entry
    # naming its voter, so the nearest `ballot.cast` entry at or before the ballot's
    # transaction id names whose it is.
    before = _ballot_rows(stage)
    assert len(before) == len(voters)
    named_by_trail = {
        int(xmin): actor
        for xmin, actor in _rows(
            f"SELECT xmin::text, actor_id FROM {AuditEvent._meta.db_table} "  # noqa: S608
            "WHERE action = 'ballot.cast' AND project_id = %s",
            [project.pk],
        )
    }
    owner_by_key = {services.voter_key(voter, stage): voter.pk for voter in voters}

    def named(xmin: str) -> int:
        return named_by_trail[max(x for x in named_by_trail if x <= int(xmin))]

    assert [named(row[0]) for row in before] == [owner_by_key[row[2]] for row in before]
    assert sorted(key for _x, _c, key, _i, _b in before) == sorted(keys)
    counted_before = count_stage(
        stage,
        list(Ballot.objects.filter(stage=stage).order_by("constituency", "content", "id")),
        services.stage_options(stage),
    )

    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))

    after = _ballot_rows(stage)
    # Every ballot is still there, saying the same, in the same group.
    assert sorted(json.dumps(row[4], sort_keys=True) for row in after) == sorted(
        json.dumps({"dots": raw}, sort_keys=True) for raw in ballots
    )
    # No key left, and none recomputed with BALLOT_SECRET_KEY finds a ballot.
    assert [row[2] for row in after] == [None] * len(voters)
    assert not Ballot.objects.filter(voter_key__in=keys).exists()
    for voter in voters:
        assert services.own_ballot(voter, stage) is None
    # New rows: none of the old ids.
    assert not {row[3] for row in before} & {row[3] for row in after}
    # One transaction wrote them all, the one that closed the vote and wrote the record;
    # no participation row or trail entry of a vote shares it.
    ballot_xmins = {row[0] for row in after}
    assert len(ballot_xmins) == 1
    record_xmin = _xmins("decisions_decisionrecord", "stage_id = %s", [stage.pk])
    assert ballot_xmins == record_xmin
    assert not ballot_xmins & _xmins("decisions_participation", "stage_id = %s", [stage.pk])
    assert not ballot_xmins & _xmins(
        AuditEvent._meta.db_table, "action = 'ballot.cast' AND project_id = %s", [project.pk]
    )
    # The physical order is shuffled: it no longer follows the order ballots were cast
    # (ten different ballots: the same order by chance is 1 in 3,628,800).
    assert [row[4] for row in after] != [row[4] for row in before]
    # Who voted stays (member, stage, day); nothing in those rows points to a ballot.
    assert Participation.objects.filter(stage=stage).count() == len(voters)
    # The decision record counted the sealed ballots, and the count is the one the
    # ballots gave before sealing.
    record_ = DecisionRecord.objects.get(stage=stage)
    assert record_.result == _jsonish(counted_before["result"])
    assert record_.table["rows"] == _jsonish(counted_before["rows"])
    assert record_.table["parts"] == _jsonish(counted_before["parts"])
    assert record_.outcome == counted_before["outcome"]
    assert sum(record_.turnout.values()) == len(voters)
    # The trail says the ballots were sealed and how many, never what they say.
    sealed = AuditEvent.objects.get(action="ballots.sealed", project_id=project.pk)
    assert sealed.details == {"stage": str(stage.pk), "count": len(voters)}


@pytest.mark.django_db(transaction=True)
def test_a_consent_vote_counts_the_same_sealed_block_reasons_included(
    project: Project,
    facilitator: User,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "consent")
    first, second, third = (str(option.pk) for option in services.stage_options(stage))
    answers = [
        (lived_experience_member, {first: "agree", second: "block", third: "agree"}),
        (carer_member, {first: "agree", second: "disagree", third: "block"}),
        (clinician_member, {first: "abstain", second: "block", third: "agree"}),
    ]
    for voter, given in answers:
        raw = {
            option: {"answer": answer, "reason": f"Reason of {voter.display_name}"}
            for option, answer in given.items()
        }
        services.ballot_cast(actor=voter, stage=Stage.objects.get(pk=stage.pk), raw=raw)
    counted_before = count_stage(
        stage,
        list(Ballot.objects.filter(stage=stage).order_by("constituency", "content", "id")),
        services.stage_options(stage),
    )
    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    record_ = DecisionRecord.objects.get(stage=stage)
    assert record_.result == _jsonish(counted_before["result"])
    assert record_.table["block_reasons"] == _jsonish(counted_before["block_reasons"])
    assert record_.outcome == counted_before["outcome"]
    assert not Ballot.objects.filter(stage=stage, voter_key__isnull=False).exists()


pytestmark = pytest.mark.django_db


def test_an_open_ballot_is_not_sealed_and_still_names_its_voter(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "consent", open_ballot=True)
    raw = {str(option.pk): {"answer": "agree"} for option in services.stage_options(stage)}
    services.ballot_cast(actor=carer_member, stage=stage, raw=raw)
    before = Ballot.objects.get(stage=stage)
    services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    after = Ballot.objects.get(stage=stage)
    assert after.pk == before.pk
    assert after.voter == carer_member
    assert after.voter_key == services.voter_key(carer_member, stage)
    assert not AuditEvent.objects.filter(action="ballots.sealed").exists()


def test_the_database_refuses_a_sealed_ballot_that_names_a_voter(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "dots")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            stage=stage, voter_key=None, constituency="carer", content={}, voter=carer_member
        )


def test_the_migration_seals_votes_that_closed_before_sealing_existed(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    migration = importlib.import_module("decisions.migrations.0008_closed_votes_ballots_sealed")
    secret = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=3)
    first, second, _third = (str(option.pk) for option in services.stage_options(secret))
    services.ballot_cast(actor=carer_member, stage=secret, raw={first: 2})
    services.ballot_cast(actor=clinician_member, stage=secret, raw={second: 3})
    # Closed the way it was before sealing existed: the ballots keep their keys.
    Stage.objects.filter(pk=secret.pk).update(state=Stage.State.CLOSED)
    old_ids = set(Ballot.objects.filter(stage=secret).values_list("pk", flat=True))
    assert Ballot.objects.filter(stage=secret, voter_key__isnull=False).count() == 2

    # A closed open-ballot vote and a vote still open are left as they are.
    still_open = project_services.stage_create(
        actor=facilitator, project=project, title="Still voting", kind="priority_setting"
    )
    services.voting_rules_update(actor=facilitator, stage=still_open, voting_method="dots")
    still_open = project_services.stage_transition(
        actor=facilitator, stage=still_open, to_state="open"
    )
    services.proposal_create(actor=carer_member, stage=still_open, title="One", body="Why.")
    still_open = project_services.stage_transition(
        actor=facilitator, stage=still_open, to_state="voting"
    )
    only = str(services.stage_options(still_open)[0].pk)
    services.ballot_cast(actor=carer_member, stage=still_open, raw={only: 1})
    VotingRules.objects.filter(stage=secret).update(open_ballot=False)

    migration.seal_closed_votes(apps, None)

    sealed = list(Ballot.objects.filter(stage=secret))
    assert [ballot.voter_key for ballot in sealed] == [None, None]
    assert not old_ids & {ballot.pk for ballot in sealed}
    assert sorted(json.dumps(b.content, sort_keys=True) for b in sealed) == sorted(
        [json.dumps({"dots": {first: 2}}), json.dumps({"dots": {second: 3}})]
    )
    assert services.own_ballot(carer_member, still_open) is not None
    # Running it again changes nothing more.
    migration.seal_closed_votes(apps, None)
    assert {b.pk for b in Ballot.objects.filter(stage=secret)} == {b.pk for b in sealed}


def test_the_migration_leaves_a_closed_open_ballot_alone(
    project: Project, facilitator: User, carer_member: User
) -> None:
    migration = importlib.import_module("decisions.migrations.0008_closed_votes_ballots_sealed")
    stage = _voting_stage(project, facilitator, carer_member, "dots", open_ballot=True)
    services.ballot_cast(
        actor=carer_member, stage=stage, raw={str(services.stage_options(stage)[0].pk): 1}
    )
    Stage.objects.filter(pk=stage.pk).update(state=Stage.State.CLOSED)
    before = Ballot.objects.get(stage=stage)
    migration.seal_closed_votes(apps, None)
    after = Ballot.objects.get(stage=stage)
    assert (after.pk, after.voter_key, after.voter_id) == (
        before.pk,
        before.voter_key,
        carer_member.pk,
    )


def test_casting_a_ballot_writes_no_sql_to_the_logs_even_at_debug(
    caplog, project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _voting_stage(project, facilitator, carer_member, "dots", dots_per_member=3)
    first = str(services.stage_options(stage)[0].pk)
    # Everything else at DEBUG, as someone chasing a problem might set it.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    connection.force_debug_cursor = True  # what DEBUG=true does: SQL goes to its logger
    try:
        services.ballot_cast(actor=carer_member, stage=stage, raw={first: 3})
        list(Ballot.objects.filter(stage=stage))
    finally:
        connection.force_debug_cursor = False
    assert first not in caplog.text
    assert "decisions_ballot" not in caplog.text
    assert not logging.getLogger("django.db.backends").isEnabledFor(logging.DEBUG)
    event = AuditEvent.objects.get(action="ballot.cast")
    assert first not in json.dumps(event.details)


def test_the_ballot_page_says_what_a_database_administrator_could_see_until_close(
    client, project: Project, facilitator: User, carer_member: User
) -> None:
    from django.urls import reverse

    stage = _voting_stage(project, facilitator, carer_member, "dots")
    client.force_login(carer_member)
    page = client.get(
        reverse("decisions:ballot", kwargs={"project_id": project.pk, "stage_id": stage.pk})
    )
    assert "someone who looks after the portal" in page.text
    assert "could link your ballot to you" in page.text
    assert "When voting closes, the ballots are sealed" in page.text
