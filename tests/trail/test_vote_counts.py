"""Votes per day, kept beside the chain: `record()` counts each member once a day in each
stage, in the statement that appends the event, and the pages read those counts. They
always say what the events themselves say (an export works them out from the events)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from coproduce.audit.models import AuditDayCount, AuditEvent
from coproduce.audit.record import record
from participants.models import User
from projects.models import Project
from tests.trail.conftest import trail_url
from trail import selectors

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _cast(record_at, moment: dt.datetime, person: User, project: Project, stage) -> None:  # type: ignore[no-untyped-def]
    record_at(
        moment,
        action="ballot.cast",
        actor=person,
        project_id=project.pk,
        details={"stage": str(stage.pk)},  # as decisions.services.ballot_cast writes it
    )


def _kept(project: Project) -> list[tuple[dt.date, str, str, int]]:
    return sorted(
        AuditDayCount.objects.filter(project_id=project.pk).values_list(
            "day", "stage_ref", "action", "members"
        )
    )


def _from_events(project: Project) -> list[tuple[dt.date, str, str, int]]:
    """The same counts worked out from the events (the export's way)."""
    up_to = selectors.last_sequence(project.pk)
    return sorted(
        (day.day, day.stage_id, day.action, day.members)
        for day in selectors.ballot_days(project.pk, selectors.TrailFilters(), up_to=up_to)
    )


def test_each_member_counts_once_a_day_in_each_stage(
    client,
    project: Project,
    manager: User,
    lived_experience_member: User,
    carer_member: User,
    record_at,
) -> None:  # type: ignore[no-untyped-def]
    second, third = project.stages.get(position=2), project.stages.get(position=3)
    hour = dt.timedelta(hours=1)
    _cast(record_at, MONDAY, lived_experience_member, project, second)
    _cast(record_at, MONDAY + hour, lived_experience_member, project, second)  # changed
    _cast(record_at, MONDAY + 2 * hour, carer_member, project, second)
    _cast(record_at, MONDAY + 3 * hour, carer_member, project, third)
    # 23:30 in London on Monday is still Monday there (Europe/London, UTC+0 in March).
    _cast(record_at, MONDAY.replace(hour=23, minute=30), lived_experience_member, project, second)
    tuesday = MONDAY + dt.timedelta(days=1)
    _cast(record_at, tuesday, lived_experience_member, project, second)  # a new day

    monday, next_day = MONDAY.date(), tuesday.date()
    assert _kept(project) == sorted(
        [
            (monday, str(second.pk), "ballot.cast", 2),
            (monday, str(third.pk), "ballot.cast", 1),
            (next_day, str(second.pk), "ballot.cast", 1),
        ]
    )
    assert _kept(project) == _from_events(project)

    client.force_login(manager)
    votes = client.get(trail_url("trail", project)).text.split('id="votes"')[1]
    assert votes.count("voted in") == 3
    assert "2 members voted in &#x27;" in votes
    # Narrowed to one stage and one day, the counts are those of that stage and day.
    narrowed = client.get(
        trail_url("trail", project),
        {"stage": str(second.pk), "date_from": "2026-03-02", "date_to": "2026-03-02"},
    )
    assert narrowed.context["ballots"][0].day == monday
    assert len(narrowed.context["ballots"]) == 1


def test_the_count_keeps_no_person_and_no_time_within_the_day(
    project: Project, lived_experience_member: User, record_at
) -> None:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=2)
    _cast(record_at, MONDAY, lived_experience_member, project, stage)
    columns = {field.column for field in AuditDayCount._meta.concrete_fields}
    assert columns == {"id", "project_id", "day", "stage_ref", "action", "members"}


def test_a_vote_that_is_rolled_back_is_not_counted(
    project: Project, lived_experience_member: User
) -> None:
    stage = project.stages.get(position=2)

    def cast_then_fail() -> None:
        with transaction.atomic():
            record(
                action="ballot.cast",
                actor=lived_experience_member,
                project_id=project.pk,
                details={"stage": str(stage.pk)},
            )
            raise RuntimeError("the cast failed after its event")

    with pytest.raises(RuntimeError):
        cast_then_fail()
    assert not AuditDayCount.objects.exists()
    assert not AuditEvent.objects.filter(action="ballot.cast").exists()


def test_the_migration_counts_the_votes_already_in_the_chain_the_same_way(
    project: Project,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
    record_at,
) -> None:  # type: ignore[no-untyped-def]
    from importlib import import_module

    migration = import_module("coproduce.migrations.0005_audit_day_counts")
    second, third = project.stages.get(position=2), project.stages.get(position=3)
    for number, person in enumerate(
        [lived_experience_member, carer_member, lived_experience_member, clinician_member] * 5
    ):
        moment = MONDAY + dt.timedelta(hours=7 * number)
        _cast(record_at, moment, person, project, second if number % 3 else third)
    kept = _kept(project)
    AuditDayCount.objects.all().delete()  # as before the migration
    with connection.schema_editor() as editor:
        migration.count_past_votes(None, editor)
    assert _kept(project) == kept == _from_events(project)


def test_the_trail_check_finds_a_count_that_differs_from_the_votes(
    project: Project, lived_experience_member: User, carer_member: User, record_at
) -> None:  # type: ignore[no-untyped-def]
    from django.db.models import F

    from coproduce.audit.verify import COUNTS_DIFFER, problem_in_words, verify_chain

    stage = project.stages.get(position=2)
    _cast(record_at, MONDAY, lived_experience_member, project, stage)
    _cast(record_at, MONDAY, carer_member, project, stage)
    assert verify_chain(project.pk).intact
    # Someone with the database's keys inflates Monday's count: the chain still links
    # up, but the check compares the counts with the votes it walked.
    AuditDayCount.objects.filter(project_id=project.pk).update(members=F("members") + 5)
    found = verify_chain(project.pk)
    assert not found.intact
    assert found.problem == COUNTS_DIFFER
    assert "does not match the votes" in problem_in_words(found.problem, found.first_bad_sequence)
    AuditDayCount.objects.filter(project_id=project.pk).delete()
    assert verify_chain(project.pk).problem == COUNTS_DIFFER


def _answer_pulse(record_at, moment: dt.datetime, person: User, project: Project, stage) -> None:  # type: ignore[no-untyped-def]
    record_at(
        moment,
        action="pulse.answered",
        actor=person,
        project_id=project.pk,
        details={"stage": str(stage.pk)},  # as evidence.services.pulse_answer writes it
    )


def test_pulse_answers_are_counted_each_day_and_never_listed_one_by_one(
    client,
    project: Project,
    manager: User,
    lived_experience_member: User,
    carer_member: User,
    record_at,
) -> None:  # type: ignore[no-untyped-def]
    """The registry says "counts only" for a pulse answered: the trail shows how many
    answered each day, never each answer with its time (which, beside the person's
    other entries, would say more than that they answered)."""
    from coproduce.audit.verify import COUNTS_DIFFER, verify_chain

    stage = project.stages.get(position=1)
    _answer_pulse(record_at, MONDAY, lived_experience_member, project, stage)
    _answer_pulse(record_at, MONDAY + dt.timedelta(hours=2), carer_member, project, stage)
    assert _kept(project) == [(MONDAY.date(), str(stage.pk), "pulse.answered", 2)]
    assert _kept(project) == _from_events(project)

    client.force_login(manager)
    page = client.get(trail_url("trail", project))
    listed = {entry.event.action for entry in page.context["entries"]}
    assert "pulse.answered" not in listed
    assert "2 members answered the pulse of" in page.text
    # Nor one by one in an export, nor when asked for that action alone.
    everything = selectors.events_queryset(project.pk, selectors.TrailFilters())
    assert not everything.filter(action="pulse.answered").exists()
    only = selectors.TrailFilters(action="pulse.answered")
    assert not selectors.events_queryset(project.pk, only).exists()
    assert [day.members for day in selectors.ballot_days(project.pk, only)] == [2]
    # Members' history shows the same count.
    client.force_login(lived_experience_member)
    assert "2 members answered the pulse of" in client.get(trail_url("history", project)).text

    # The trail's check counts them again from the events.
    assert verify_chain(project.pk).intact
    AuditDayCount.objects.filter(project_id=project.pk, action="pulse.answered").delete()
    assert verify_chain(project.pk).problem == COUNTS_DIFFER


def test_the_migration_counts_the_pulse_answers_already_in_the_chain(
    project: Project, lived_experience_member: User, carer_member: User, record_at
) -> None:  # type: ignore[no-untyped-def]
    from importlib import import_module

    migration = import_module("coproduce.migrations.0006_audit_day_counts_of_pulse_answers")
    first, second = project.stages.get(position=1), project.stages.get(position=2)
    for number, person in enumerate([lived_experience_member, carer_member] * 3):
        moment = MONDAY + dt.timedelta(hours=9 * number)
        _answer_pulse(record_at, moment, person, project, first if number % 2 else second)
    _cast(record_at, MONDAY, carer_member, project, second)
    kept = _kept(project)
    AuditDayCount.objects.filter(action="pulse.answered").delete()  # as before the migration
    with connection.schema_editor() as editor:
        migration.count_past_pulse_answers(None, editor)
        migration.count_past_pulse_answers(None, editor)  # twice: no harm
    assert _kept(project) == kept == _from_events(project)
