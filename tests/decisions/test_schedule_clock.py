"""The scheduled tasks under a controlled clock (time-machine): each task is run as the
worker runs it, with no `now` passed in, at moments just before and at its times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from decisions import services
from decisions.models import DecisionRecord
from decisions.tasks import stages_advance_due, voting_reminders_due
from participants.models import User
from participants.notifications.models import Delivery, Kind, Notification
from participants.notifications.services import preferences_update
from participants.tasks import notification_digests_send
from projects import services as project_services
from projects.models import Project, Stage

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _state(stage: Stage) -> str:
    return Stage.objects.get(pk=stage.pk).state


def _at(moment: datetime):  # type: ignore[no-untyped-def]
    return time_machine.travel(moment, tick=False)


def _scheduled_stage(project: Project, facilitator: User, author: User) -> Stage:
    with _at(START - timedelta(days=1)):
        stage = project.stages.get(position=2)
        services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
        return project_services.stage_update(
            actor=facilitator,
            stage=stage,
            opens_at=START,
            voting_opens_at=START + timedelta(days=7),
            closes_at=START + timedelta(days=14),
        )


def test_the_stage_moves_at_its_times_and_not_a_second_before(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _scheduled_stage(project, facilitator, carer_member)
    steps = [
        (START - SECOND, "draft"),
        (START, "open"),
        (START + timedelta(days=7) - SECOND, "open"),
        (START + timedelta(days=7), "voting"),
        (START + timedelta(days=14) - SECOND, "voting"),
        (START + timedelta(days=14), "closed"),
    ]
    for moment, expected in steps:
        with _at(moment):
            stages_advance_due()
            if expected == "open" and moment == START:
                services.proposal_create(
                    actor=carer_member, stage=Stage.objects.get(pk=stage.pk), title="Idea", body="b"
                )
        assert _state(stage) == expected, f"at {moment:%d %b %H:%M:%S}"
    record_ = DecisionRecord.objects.get(stage=stage)
    assert record_.created_at == START + timedelta(days=14)


def test_reminders_come_at_48_and_24_hours_only_to_those_who_have_not_voted(
    project: Project,
    facilitator: User,
    carer_member: User,
    clinician_member: User,
    lived_experience_member: User,
) -> None:
    stage = _scheduled_stage(project, facilitator, carer_member)
    closes = START + timedelta(days=14)
    with _at(START):
        stages_advance_due()
        stage = Stage.objects.get(pk=stage.pk)
        proposal = services.proposal_create(actor=carer_member, stage=stage, title="Idea", body="b")
    with _at(START + timedelta(days=7)):
        stages_advance_due()
        stage = Stage.objects.get(pk=stage.pk)
        services.ballot_cast(actor=carer_member, stage=stage, raw={str(proposal.pk): 1})

    def reminded(hours: int) -> set[str]:
        return set(
            Notification.objects.filter(
                kind=Kind.VOTING_REMINDER, key__startswith=f"reminder{hours}:"
            ).values_list("recipient__email", flat=True)
        )

    with _at(closes - timedelta(hours=48) - SECOND):
        voting_reminders_due()
    assert reminded(48) == set()
    with _at(closes - timedelta(hours=48)):
        voting_reminders_due()
    assert reminded(48) == {"clinician@example.org", "lived@example.org"}

    with _at(closes - timedelta(hours=30)):
        services.ballot_cast(actor=clinician_member, stage=stage, raw={str(proposal.pk): 1})
        voting_reminders_due()  # between the two: nothing new
    assert reminded(24) == set()
    with _at(closes - timedelta(hours=24)):
        voting_reminders_due()
    assert reminded(24) == {"lived@example.org"}


def test_a_days_notifications_come_together_in_one_email_at_the_digest_time(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    preferences_update(
        actor=carer_member,
        user=carer_member,
        choices={kind: Delivery.DIGEST for kind in Kind.values},
    )
    stage = _scheduled_stage(project, facilitator, carer_member)
    with _at(START):  # 09:00: the stage opens by itself
        stages_advance_due()
        stage = Stage.objects.get(pk=stage.pk)
        proposal = services.proposal_create(actor=carer_member, stage=stage, title="Idea", body="b")
    with _at(START + timedelta(hours=3)):  # 12:00: someone comments on the carer's idea
        services.comment_create(actor=clinician_member, proposal=proposal, body="Yes")
    mail.outbox.clear()
    with _at(START.replace(hour=17)):
        assert notification_digests_send() == 1  # the task the beat runs at 17:00
    (digest,) = [message for message in mail.outbox if message.to == ["carer@example.org"]]
    assert "There are 2 new things" in digest.body
    assert "has opened" in digest.body
    assert "Someone commented on your proposal" in digest.body
    with _at(START.replace(hour=17) + timedelta(days=1)):
        assert notification_digests_send() == 0  # nothing new: no email
