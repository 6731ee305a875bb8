"""Reflection, the pulse and reports as services: rights, rules, the trail, anonymity."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.errors import RightsError, RuleError
from evidence import selectors, services
from evidence.figures import POOL
from evidence.models import (
    DEFAULT_STATEMENTS,
    Pulse,
    PulseAnswer,
    PulseTaken,
    ReflectionAnswer,
    Report,
)
from participants.models import Notification
from projects import services as project_services
from projects.models import Project, Stage
from tests.evidence.conftest import Scene, build_scene

pytestmark = pytest.mark.django_db


def test_closing_a_stage_sends_its_pulse_to_every_member(scene: Scene) -> None:
    pulse = Pulse.objects.get(stage=scene.first)
    assert pulse.is_open
    assert pulse.statements == list(DEFAULT_STATEMENTS)
    key = f"pulse_opened:{scene.first.pk}"
    told = set(
        Notification.objects.filter(kind="pulse_opened", key__startswith=key).values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {person.pk for person in scene.everyone}
    assert scene.facilitator.pk not in told
    assert (
        AuditEvent.objects.filter(project_id=scene.project.pk, action="pulse.opened").count() == 2
    )
    # Sending it again does nothing more.
    services.pulse_open(actor=None, stage_id=scene.first.pk)
    assert (
        AuditEvent.objects.filter(project_id=scene.project.pk, action="pulse.opened").count() == 2
    )


def test_statements_can_be_changed_until_the_stage_opens(
    project: Project, facilitator, carer_member
) -> None:  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=3)
    with pytest.raises(RightsError):
        services.pulse_statements_update(
            actor=carer_member, stage=stage, statements=["Mine"], ask_ladder=False
        )
    pulse = services.pulse_statements_update(
        actor=facilitator, stage=stage, statements=["I was heard", " "], ask_ladder=False
    )
    assert pulse.statements == ["I was heard"]
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    stage = Stage.objects.select_related("project").get(pk=stage.pk)
    with pytest.raises(RightsError):
        services.pulse_statements_update(
            actor=facilitator, stage=stage, statements=["Changed"], ask_ladder=True
        )
    assert Pulse.objects.get(stage=stage).statements == ["I was heard"]


def _pulse(scene: Scene) -> Pulse:
    pulse = Pulse.objects.select_related("stage__project").get(stage=scene.first)
    return pulse


def test_a_member_answers_once_and_the_answer_names_nobody(scene: Scene) -> None:
    person = scene.members["carer"][0]
    services.pulse_answer(
        actor=person, pulse=_pulse(scene), scores=[5, 4, None, 2], rung="co_design"
    )
    with pytest.raises(RuleError, match="already answered"):
        services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[1, 1, 1, 1])
    assert PulseTaken.objects.filter(user=person).count() == 1
    answer = PulseAnswer.objects.get()
    # The answer's row has no column that could hold a person, nor a time.
    columns = {field.column for field in PulseAnswer._meta.concrete_fields}
    assert columns == {"id", "pulse_id", "constituency", "scores", "rung", "sealed"}
    assert (answer.scores, answer.rung, answer.constituency) == (
        [5, 4, None, 2],
        "co_design",
        "carer",
    )
    # The trail says that someone answered, as a count, never what.
    event = AuditEvent.objects.get(action="pulse.answered")
    assert event.details == {"stage": str(scene.first.pk)}


def test_answers_are_checked(scene: Scene) -> None:
    person = scene.members["carer"][0]
    with pytest.raises(RuleError):
        services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[6, 1, 1, 1])
    with pytest.raises(RuleError):
        services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[1, 1])
    with pytest.raises(RuleError, match="at least one"):
        services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[None] * 4)
    with pytest.raises(RightsError):
        services.pulse_answer(actor=scene.facilitator, pulse=_pulse(scene), scores=[3] * 4)
    assert not PulseAnswer.objects.exists()


def test_results_show_only_after_close_with_small_groups_pooled(scene: Scene) -> None:
    for group in ("lived_experience", "carer"):
        for person in scene.members[group]:
            services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[4, 4, 4, 4])
    services.pulse_answer(
        actor=scene.members["clinician"][0], pulse=_pulse(scene), scores=[1, 1, 1, 1]
    )
    assert selectors.pulse_results([_pulse(scene)]) == {}  # still open: nothing shown
    services.pulse_close(actor=scene.facilitator, pulse=_pulse(scene))
    result = selectors.pulse_results([_pulse(scene)])[scene.first.pk]
    assert result.answers == 7
    # The lone clinician is never shown alone: the smallest group joins them.
    assert [(group.key, group.answers) for group in result.groups] == [
        ("carer", 3),
        (POOL, 4),
    ]
    with pytest.raises(RightsError):  # closed: nobody answers any more
        services.pulse_answer(
            actor=scene.members["clinician"][1], pulse=_pulse(scene), scores=[3] * 4
        )


def test_the_schedule_closes_pulses_after_a_fortnight(scene: Scene) -> None:
    assert services.pulses_close_due() == 0
    assert services.pulses_close_due(now=timezone.now() + timedelta(days=15)) == 2
    assert not Pulse.objects.filter(closed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_sealing_leaves_nothing_that_ties_an_answer_to_its_member(
    project: Project, facilitator, lived_experience_member, carer_member, clinician_member
) -> None:  # type: ignore[no-untyped-def]
    from contextlib import nullcontext

    def capture(execute: bool = True):  # type: ignore[no-untyped-def]
        return nullcontext()  # committed for real: on_commit runs by itself

    scene = build_scene(
        project,
        facilitator,
        {"lived_experience": lived_experience_member, "carer": carer_member,
         "clinician": clinician_member},
        capture,
    )  # fmt: skip
    for person in scene.everyone:
        services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[3, 3, 3, 3])

    def rows(table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT xmin::text, ctid::text FROM {table} ORDER BY ctid")  # noqa: S608
            return list(cursor.fetchall())

    taken = {xmin for xmin, _ctid in rows("evidence_pulsetaken")}
    # While open, each answer is written by the transaction whose savepoint wrote a "has
    # answered" row: ordered by transaction id, answers and "has answered" rows take
    # turns (other sessions on the server may use ids in between), so each answer leads
    # to its person. This is what sealing must undo.
    answers = sorted(int(xmin) for xmin, _ctid in rows("evidence_pulseanswer"))
    takers = sorted(int(xmin) for xmin in taken)
    assert len(answers) == len(takers) == len(scene.everyone)
    for index, answer in enumerate(answers):
        assert answer < takers[index]
        if index + 1 < len(answers):
            assert takers[index] < answers[index + 1]
    before = set(PulseAnswer.objects.values_list("id", flat=True))
    services.pulse_close(actor=facilitator, pulse=_pulse(scene))
    sealed = rows("evidence_pulseanswer")
    assert len(sealed) == len(scene.everyone)
    assert len({xmin for xmin, _ctid in sealed}) == 1  # all written by the closing transaction
    assert not {xmin for xmin, _ctid in sealed} & taken
    assert not before & set(PulseAnswer.objects.values_list("id", flat=True))
    assert PulseAnswer.objects.filter(sealed=False).count() == 0


@pytest.mark.django_db(transaction=True)
def test_one_answer_per_member_when_they_press_twice_at_once(
    project: Project, facilitator, lived_experience_member, carer_member, clinician_member
) -> None:  # type: ignore[no-untyped-def]
    from contextlib import nullcontext

    scene = build_scene(
        project,
        facilitator,
        {"lived_experience": lived_experience_member, "carer": carer_member,
         "clinician": clinician_member},
        lambda execute=True: nullcontext(),
    )  # fmt: skip
    person = scene.members["lived_experience"][0]
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def press() -> None:
        try:
            barrier.wait()
            services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[5, 5, 5, 5])
            outcomes.append("kept")
        except RuleError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["kept", "refused", "refused", "refused"]
    assert PulseTaken.objects.filter(user=person).count() == 1
    assert PulseAnswer.objects.count() == 1


def test_reflection_named_or_anonymous_and_hidden_with_a_reason(scene: Scene) -> None:
    person = scene.members["carer"][1]
    stage = Stage.objects.select_related("project").get(pk=scene.first.pk)
    named = services.reflection_answer_create(
        actor=person, stage=stage, question_number=1, body="We were heard.", anonymous=False
    )
    hidden_one = services.reflection_answer_create(
        actor=person, stage=stage, question_number=2, body="Not sure.", anonymous=True
    )
    assert named.author == person
    assert hidden_one.author is None
    named_event = AuditEvent.objects.get(action="reflection.answered")
    assert named_event.actor_id == person.pk
    # The anonymous one: no person, and only ever counted for the day (never listed).
    anonymous_event = AuditEvent.objects.get(action="reflection.answered_anonymously")
    assert anonymous_event.actor_id is None
    assert anonymous_event.actor_label == "A member (anonymously)"
    assert anonymous_event.object_id == ""
    with pytest.raises(RuleError):
        services.reflection_answer_create(
            actor=person, stage=stage, question_number=99, body="x", anonymous=False
        )
    with pytest.raises(RightsError):
        services.reflection_answer_hide(actor=person, answer=named, reason="Mine")
    services.reflection_answer_hide(actor=scene.facilitator, answer=named, reason="Names someone")
    assert ReflectionAnswer.objects.get(pk=named.pk).moderation_reason == "Names someone"


def test_a_report_is_kept_as_made_and_recorded(scene: Scene, manager) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RightsError):
        services.report_make(actor=scene.members["carer"][0], project=scene.project)
    report = services.report_make(actor=manager, project=scene.project)
    event = AuditEvent.objects.get(action="report.made")
    assert event.details["trail_head"] == report.trail_head
    assert report.trail_head.split(":")[0].isdigit()
    assert bytes(report.pdf).startswith(b"%PDF")
    with pytest.raises(DatabaseError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(html="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Report.objects.filter(pk=report.pk).delete()


def test_your_data_holds_named_reflections_and_pulses_answered_never_what(
    client, scene: Scene
) -> None:  # type: ignore[no-untyped-def]
    import io
    import json
    import zipfile

    person = scene.members["carer"][0]
    stage = Stage.objects.select_related("project").get(pk=scene.first.pk)
    services.reflection_answer_create(
        actor=person, stage=stage, question_number=1, body="Named one", anonymous=False
    )
    services.reflection_answer_create(
        actor=person, stage=stage, question_number=1, body="Secret one", anonymous=True
    )
    services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[2, 2, 2, 2])
    client.force_login(person)
    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/data/download/").content))
    reflections = json.loads(archive.read("reflections.json"))
    assert [row["answer"] for row in reflections] == ["Named one"]
    pulses = json.loads(archive.read("pulses_answered.json"))
    assert [row["stage"] for row in pulses] == [scene.first.title]
    assert "Secret one" not in str(archive.read("trail_entries.json"))


def test_a_group_with_a_lone_answer_is_sealed_as_other_groups(scene: Scene) -> None:
    """Who answered is known, and so is each person's group: a sealed row keeping the
    group of its only answerer would name them. It is stored pooled, as the page shows it."""
    answering = [*scene.members["lived_experience"][:3], scene.members["carer"][0]]
    for person in answering:
        services.pulse_answer(actor=person, pulse=_pulse(scene), scores=[4, 4, 4, 4])
    services.pulse_close(actor=scene.facilitator, pulse=_pulse(scene))
    stored = set(
        PulseAnswer.objects.filter(pulse=_pulse(scene)).values_list("constituency", flat=True)
    )
    assert "carer" not in stored
    # The lone carer's group joins the smallest shown group, as on the results page.
    assert stored == {"other_groups"}


def test_the_schedule_sends_a_pulse_that_the_stage_closing_failed_to_send(
    project: Project, facilitator, lived_experience_member, carer_member, clinician_member
) -> None:  # type: ignore[no-untyped-def]
    from evidence.tasks import pulses_due

    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    # The hook after the close never runs here (as when it failed): no pulse is sent.
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    assert not Pulse.objects.filter(stage=stage, opened_at__isnull=False).exists()
    # More than a fortnight after the close it would come too late: it is left.
    assert services.pulses_open_missing(now=timezone.now() + timedelta(days=15)) == 0
    assert not Pulse.objects.filter(stage=stage).exists()

    assert pulses_due()["sent"] == 1
    pulse = Pulse.objects.get(stage=stage)
    assert pulse.is_open
    told = set(
        Notification.objects.filter(kind="pulse_opened").values_list("recipient_id", flat=True)
    )
    assert told == {lived_experience_member.pk, carer_member.pk, clinician_member.pk}
    # Running it again sends nothing more.
    assert pulses_due()["sent"] == 0
    assert AuditEvent.objects.filter(action="pulse.opened").count() == 1
    assert Notification.objects.filter(kind="pulse_opened").count() == 3


def test_the_schedule_sends_no_pulse_in_a_project_that_is_not_active(
    project: Project, facilitator
) -> None:  # type: ignore[no-untyped-def]
    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    project_services.stage_transition(actor=facilitator, stage=stage, to_state="closed")
    project_services.project_update(actor=facilitator, project=project, status="finished")
    assert services.pulses_open_missing() == 0
    assert not Pulse.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_report_names_the_entry_just_before_its_own_even_if_one_lands_while_it_renders(
    monkeypatch, project: Project, facilitator, manager, carer_member
) -> None:  # type: ignore[no-untyped-def]
    """A change committed while the PDF renders is after the head the report first saw:
    the report names the entry just before its own, and shows what that entry covers."""
    from decisions import services as decision_services
    from evidence.services import reports as report_services

    stage = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    real_render = report_services.render_report
    landed: list[AuditEvent] = []

    def render_while_a_member_proposes(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not landed:  # the first rendering: a member proposes meanwhile, and commits

            def propose() -> None:
                try:
                    decision_services.proposal_create(
                        actor=carer_member, stage=stage, title="Night phone line", body="Why."
                    )
                    landed.append(AuditEvent.objects.get(action="proposal.created"))
                finally:
                    connection.close()

            writer = threading.Thread(target=propose)
            writer.start()
            writer.join()
        return real_render(*args, **kwargs)

    monkeypatch.setattr(report_services, "render_report", render_while_a_member_proposes)
    report = services.report_make(actor=manager, project=project)
    made = AuditEvent.objects.get(action="report.made")
    (proposed,) = landed
    head_sequence = int(report.trail_head.split(":")[0])
    assert head_sequence == made.sequence - 1
    assert proposed.sequence <= head_sequence
    assert report.trail_head == f"{made.sequence - 1}:{made.previous_hash}"
    assert made.details["trail_head"] == report.trail_head
