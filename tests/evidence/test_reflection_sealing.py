"""Anonymous reflections are sealed when reflection on their stage ends.

Read as an attacker with the database would: every column of the answer row, and the
PostgreSQL bookkeeping beside them (`xmin`, the transaction that wrote the row), are
compared with the author, their trail entry and their sign-in's session row. Before
the seal they match (that is what sealing undoes); after it nothing does. And before
the seal the portal never shows who wrote one.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from evidence import services
from evidence.models import Pulse, ReflectionAnswer
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import force_login_with_two_factors


def _rows(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _anonymous_rows() -> list[tuple[object, ...]]:
    """Every column of the anonymous answers, and the transaction that wrote each."""
    return _rows(
        "SELECT id::text, xmin::text, written_on, author_id, stage_id::text, sealed, body "
        "FROM evidence_reflectionanswer WHERE author_id IS NULL ORDER BY ctid"
    )


def _open_first_stage(project: Project, facilitator: User) -> Stage:
    stage = project.stages.get(position=1)
    assert stage.question_list  # the standard first stage has questions to reflect on
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")


def _answer(client, person: User, stage: Stage, body: str, shown_as: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(person)
    url = reverse("evidence:reflection", args=[stage.project_id, stage.pk])
    response = client.post(url, {"question": "1", "body": body, "shown_as": shown_as})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db(transaction=True)
def test_after_the_seal_no_column_of_an_anonymous_answer_leads_to_its_author(
    client,
    project: Project,
    facilitator: User,
    manager: User,
    lived_experience_member: User,
    carer_member: User,
    clinician_member: User,
) -> None:
    stage = _open_first_stage(project, facilitator)
    writers = [lived_experience_member, carer_member, clinician_member]
    for person in writers:
        _answer(client, person, stage, f"Quietly, from person {person.pk}", "anonymous")
    _answer(client, carer_member, stage, "Said with my name", "named")

    events = list(AuditEvent.objects.filter(action="reflection.answered_anonymously"))
    assert len(events) == 3
    # The anonymous entries keep neither the person nor the request they came in.
    assert {(event.actor_id, event.request_id) for event in events} == {(None, "")}
    named = AuditEvent.objects.get(action="reflection.answered")
    assert named.actor_id == carer_member.pk
    assert named.request_id  # a named answer keeps its request id
    event_xmins = {
        xmin for (xmin,) in _rows(
            "SELECT xmin::text FROM coproduce_auditevent WHERE action = %s",
            ["reflection.answered_anonymously"],
        )
    }  # fmt: skip
    before = _anonymous_rows()
    # While reflection is open, each answer was written by the transaction that wrote its
    # trail entry: that, and the session row written next, is what sealing must undo.
    assert {row[1] for row in before} == event_xmins
    assert all(row[5] is False for row in before)

    # Before the seal, nobody using the portal sees who wrote one: not on the page...
    force_login_with_two_factors(client, manager)
    page = client.get(reverse("evidence:reflection", args=[project.pk, stage.pk])).text
    assert page.count("A member, anonymously") == 3
    assert lived_experience_member.display_name not in page
    assert clinician_member.display_name not in page
    assert page.count(carer_member.display_name) == 1  # beside the named answer only
    # ...nor in the trail: counted for the day (from tomorrow), never listed one by one.
    trail = client.get(reverse("trail:trail", args=[project.pk]))
    listed = {entry.event.action for entry in trail.context["entries"]}
    assert "reflection.answered" in listed
    assert "reflection.answered_anonymously" not in listed

    # The stage closes (its pulse is sent), and the pulse closes: reflection ends.
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    pulse = Pulse.objects.select_related("stage__project").get(stage=stage)
    sealed_from = timezone.localdate()
    services.pulse_close(actor=facilitator, pulse=pulse)
    sealed_by = timezone.localdate()

    after = _anonymous_rows()
    assert len(after) == 3
    assert sorted(row[6] for row in after) == sorted(row[6] for row in before)  # same words
    # Every row was written by the sealing transaction, none by an answer's.
    sealing_xmins = {row[1] for row in after}
    assert len(sealing_xmins) == 1
    assert not sealing_xmins & event_xmins
    sessions = {xmin for (xmin,) in _rows("SELECT xmin::text FROM django_session")}
    assert not sealing_xmins & sessions
    # New ids, found nowhere in the trail.
    assert not {row[0] for row in after} & {row[0] for row in before}
    trail_text = " ".join(
        f"{object_id} {details}"
        for object_id, details in _rows("SELECT object_id, details::text FROM coproduce_auditevent")
    )
    assert not any(row[0] in trail_text for row in after)
    # One day for all, the day of sealing: the day each was written is gone.
    days = {row[2] for row in after}
    assert len(days) == 1
    assert days <= {sealed_from, sealed_by}  # (sealed just as a day ended: either day)
    # No person, and the only other reference is the stage they all share.
    assert {row[3] for row in after} == {None}
    assert {row[4] for row in after} == {str(stage.pk)}
    assert all(row[5] is True for row in after)
    foreign_keys = {
        field.column for field in ReflectionAnswer._meta.concrete_fields if field.is_relation
    }
    assert foreign_keys == {"stage_id", "author_id"}
    # The named answer is left as it was, and the trail says the sealing happened.
    assert ReflectionAnswer.objects.get(author=carer_member).body == "Said with my name"
    sealed_event = AuditEvent.objects.get(action="reflections.sealed")
    assert sealed_event.details["count"] == 3


@pytest.mark.django_db
def test_reflection_ends_when_the_pulse_closes(
    client,
    project: Project,
    facilitator: User,
    carer_member: User,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    stage = _open_first_stage(project, facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    url = reverse("evidence:reflection", args=[project.pk, stage.pk])
    # Still open while the pulse is: members look back on the stage.
    _answer(client, carer_member, stage, "After it closed", "anonymous")
    pulse = Pulse.objects.select_related("stage__project").get(stage=stage)
    services.pulse_close(actor=facilitator, pulse=pulse)
    page = client.get(url).text
    assert "Reflection on this stage has ended" in page
    assert "Share my answer" not in page
    refused = client.post(url, {"question": "1", "body": "Too late", "shown_as": "named"})
    assert refused.status_code == 403
    assert not ReflectionAnswer.objects.filter(body="Too late").exists()
    assert ReflectionAnswer.objects.get().sealed


@pytest.mark.django_db(transaction=True)
def test_a_stopped_project_seals_and_a_later_answer_is_shuffled_with_the_earlier_ones(
    client, project: Project, facilitator: User, lived_experience_member: User, carer_member: User
) -> None:
    stage = _open_first_stage(project, facilitator)
    _answer(client, lived_experience_member, stage, "First", "anonymous")
    assert services.reflections_seal_due() == 0  # reflection is still open: nothing to do
    project_services.project_update(actor=facilitator, project=project, status="finished")
    assert services.reflections_seal_due() == 1
    assert services.reflections_seal_due() == 0  # twice does no harm
    (first,) = _anonymous_rows()
    assert first[5] is True

    # The project starts again, someone answers, and it stops: both are sealed together,
    # so the later answer does not stand apart from the earlier one.
    project_services.project_update(
        actor=facilitator, project=Project.objects.get(pk=project.pk), status="active"
    )
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    _answer(client, carer_member, stage, "Second", "anonymous")
    project_services.project_update(
        actor=facilitator, project=Project.objects.get(pk=project.pk), status="finished"
    )
    assert services.reflections_seal_due() == 1
    rows = _anonymous_rows()
    assert sorted(row[6] for row in rows) == ["First", "Second"]
    assert len({row[1] for row in rows}) == 1
    assert first[0] not in {row[0] for row in rows}
    assert [event.details["count"] for event in AuditEvent.objects.filter(
        action="reflections.sealed").order_by("sequence")] == [1, 1]  # fmt: skip


@pytest.mark.django_db
def test_an_anonymous_event_cannot_be_written_with_a_person(
    project: Project, carer_member: User
) -> None:
    from django.db import transaction

    with pytest.raises(ValueError, match="anonymous"), transaction.atomic():
        record(
            action="reflection.answered_anonymously",
            actor=carer_member,
            project_id=project.pk,
            details={"stage_id": "x"},
        )


def test_where_an_anonymous_answer_stands_never_tells_its_day(
    project: Project, facilitator: User, lived_experience_member: User, carer_member: User
) -> None:
    """Before the seal, anonymous answers show no day; nor may their place among the
    dated named answers give it away: they come after all of them."""
    from datetime import timedelta

    from evidence import selectors

    stage = _open_first_stage(project, facilitator)
    made = [
        services.reflection_answer_create(
            actor=person, stage=stage, question_number=1, body=body, anonymous=anonymous
        )
        for person, body, anonymous in (
            (lived_experience_member, "Named, first day", False),
            (carer_member, "Anonymous, second day", True),
            (lived_experience_member, "Named, third day", False),
        )
    ]
    today = timezone.localdate()
    for days_ago, answer in zip((2, 1, 0), made, strict=True):
        ReflectionAnswer.objects.filter(pk=answer.pk).update(
            written_on=today - timedelta(days=days_ago)
        )
    shown = [answer.body for answer in selectors.stage_reflections(stage)[0]["answers"]]
    assert shown == ["Named, first day", "Named, third day", "Anonymous, second day"]
