"""Stages move on time, by themselves, and never twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from decisions import services
from decisions.models import DecisionRecord
from decisions.tasks import stages_advance_due
from participants.models import User
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


def _schedule(project: Project, facilitator: User) -> tuple[Stage, object]:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=1)
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    project_services.stage_update(
        actor=facilitator,
        stage=stage,
        opens_at=start,
        voting_opens_at=start + timedelta(days=7),
        closes_at=start + timedelta(days=14),
    )
    return stage, start


def _state(stage: Stage) -> str:
    return Stage.objects.get(pk=stage.pk).state


def test_a_stage_moves_at_its_times_and_not_before(project: Project, facilitator: User) -> None:
    stage, start = _schedule(project, facilitator)
    services.stages_advance(now=start - timedelta(seconds=1))
    assert _state(stage) == "draft"
    services.stages_advance(now=start)
    assert _state(stage) == "open"
    services.stages_advance(now=start + timedelta(days=7) - timedelta(seconds=1))
    assert _state(stage) == "open"
    services.stages_advance(now=start + timedelta(days=7))
    assert _state(stage) == "voting"
    services.stages_advance(now=start + timedelta(days=14))
    assert _state(stage) == "closed"
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
    system_moves = AuditEvent.objects.filter(project_id=project.pk, actor_id__isnull=True)
    assert list(system_moves.values_list("action", flat=True)) == [
        "stage.opened",
        "stage.voting_opened",
        "stage.closed",
        "ballots.sealed",
        "decision.recorded",
    ]
    assert set(system_moves.values_list("actor_label", flat=True)) == {"the system"}


def test_running_the_schedule_twice_does_no_harm(project: Project, facilitator: User) -> None:
    stage, start = _schedule(project, facilitator)
    late = start + timedelta(days=20)
    services.stages_advance(now=late)
    assert _state(stage) == "closed"  # it catches up: open, voting, closed
    services.stages_advance(now=late)
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
    assert AuditEvent.objects.filter(action="stage.opened", project_id=project.pk).count() == 1


def test_a_stage_without_a_vote_closes_at_its_closing_time(
    project: Project, facilitator: User
) -> None:
    stage = project.stages.get(position=1)
    start = timezone.now() + timedelta(hours=1)
    project_services.stage_update(
        actor=facilitator, stage=stage, opens_at=start, closes_at=start + timedelta(days=1)
    )
    services.stages_advance(now=start)
    services.stages_advance(now=start + timedelta(days=1))
    assert _state(stage) == "closed"


def test_finished_projects_do_not_move(project: Project, facilitator: User) -> None:
    stage, start = _schedule(project, facilitator)
    project_services.project_update(actor=facilitator, project=project, status="finished")
    services.stages_advance(now=start + timedelta(days=1))
    assert _state(stage) == "draft"


@pytest.mark.django_db(transaction=True)
def test_the_task_and_a_facilitator_closing_at_once_make_one_record(
    project: Project, facilitator: User, carer_member: User, celery_worker
) -> None:
    stage = project.stages.get(position=2)
    services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    services.proposal_create(actor=carer_member, stage=stage, title="Idea", body="b")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    Stage.objects.filter(pk=stage.pk).update(closes_at=timezone.now() - timedelta(seconds=1))

    errors: list[BaseException] = []

    def close_by_hand() -> None:
        try:
            services.voting_close(actor=User.objects.get(pk=facilitator.pk), stage=stage)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close_by_hand) for _ in range(3)]
    stages_advance_due.delay()
    stages_advance_due.delay()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: _state(stage) == "closed")
    assert errors == []
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
    assert AuditEvent.objects.filter(action="decision.recorded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_stage_overdue_when_the_scheduler_starts_moves_at_once(
    project: Project, facilitator: User, celery_worker
) -> None:
    from celery.signals import beat_init

    stage = project.stages.get(position=1)
    project_services.stage_update(
        actor=facilitator, stage=stage, opens_at=timezone.now() - timedelta(hours=1)
    )
    beat_init.send(sender=None)  # what `celery beat` (or `worker --beat`) sends as it starts
    wait_for(lambda: _state(stage) == "open")
