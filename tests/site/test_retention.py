"""Personal data is kept no longer than the settings say, by a daily scheduled task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.audit.verify import verify_chain
from coproduce.celery import app as celery_app
from coproduce.site.tasks import personal_data_retention
from decisions import services as decision_services
from decisions.models import DecisionRecord, Participation
from participants.models import Notification, User
from projects import services as project_services
from projects.models import Invitation, Project, Stage

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_the_task_runs_daily_from_the_beat_schedule() -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "coproduce.site.tasks.personal_data_retention"
    ]
    assert len(entries) == 1
    assert "coproduce.site.tasks.personal_data_retention" in celery_app.tasks


def test_old_expired_and_withdrawn_invitations_lose_their_address(
    project: Project, facilitator: User
) -> None:
    now = timezone.now()
    expired, _token = project_services.invitation_create(
        actor=facilitator, project=project, email="late@example.org", role="member"
    )
    withdrawn, _token = project_services.invitation_create(
        actor=facilitator, project=project, email="withdrawn@example.org", role="member"
    )
    recent, _token = project_services.invitation_create(
        actor=facilitator, project=project, email="recent@example.org", role="member"
    )
    pending, _token = project_services.invitation_create(
        actor=facilitator, project=project, email="waiting@example.org", role="member"
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=now - 31 * DAY)
    Invitation.objects.filter(pk=withdrawn.pk).update(revoked_at=now - 31 * DAY)
    Invitation.objects.filter(pk=recent.pk).update(expires_at=now - 29 * DAY)

    personal_data_retention()
    personal_data_retention()  # twice: no harm, nothing more recorded

    emails = dict(Invitation.objects.values_list("pk", "email"))
    assert emails[expired.pk] == ""
    assert emails[withdrawn.pk] == ""
    assert emails[recent.pk] == "recent@example.org"
    assert emails[pending.pk] == "waiting@example.org"
    # Accepted invitations (the members') are untouched.
    assert Invitation.objects.filter(accepted_at__isnull=False).exclude(email="").count() == 4
    event = AuditEvent.objects.get(
        project_id=project.pk, action="retention.invitation_addresses_removed"
    )
    assert event.details == {"count": 2, "after_days": 30}
    assert event.actor_id is None
    assert verify_chain(project.pk).intact


def test_the_period_comes_from_settings(settings, project: Project, facilitator: User) -> None:  # type: ignore[no-untyped-def]
    settings.RETENTION_INVITATION_EMAIL_DAYS = 60
    invitation, _token = project_services.invitation_create(
        actor=facilitator, project=project, email="late@example.org", role="member"
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - 31 * DAY)
    personal_data_retention()
    assert Invitation.objects.get(pk=invitation.pk).email == "late@example.org"


def test_read_notifications_go_after_a_year_unread_ones_stay(carer_member: User) -> None:
    now = timezone.now()

    def notification(key: str, read_at: dt.datetime | None) -> Notification:
        return Notification.objects.create(
            recipient=carer_member,
            kind="reply",
            key=key,
            delivery="immediate",
            subject=key,
            body="",
            read_at=read_at,
            created_at=now - 400 * DAY,
        )

    notification("old-read", now - 366 * DAY)
    notification("recent-read", now - 300 * DAY)
    notification("old-unread", None)
    personal_data_retention()
    assert sorted(Notification.objects.values_list("key", flat=True)) == [
        "old-unread",
        "recent-read",
    ]
    event = AuditEvent.objects.get(project_id=None, action="retention.notifications_deleted")
    assert event.details == {"count": 1, "after_days": 365}


def test_who_voted_goes_a_set_time_after_the_project_closes_and_results_stay(
    project: Project, facilitator: User, carer_member: User, clinician_member: User
) -> None:
    stage = project.stages.get(position=2)
    decision_services.voting_rules_update(
        actor=facilitator, stage=stage, voting_method="dots", dots_per_member=3
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    option = decision_services.proposal_create(
        actor=carer_member, stage=stage, title="Quiet room", body="Calm."
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    decision_services.ballot_cast(actor=carer_member, stage=stage, raw={str(option.pk): 3})
    decision_services.ballot_cast(actor=clinician_member, stage=stage, raw={str(option.pk): 2})
    decision_services.voting_close(actor=facilitator, stage=Stage.objects.get(pk=stage.pk))
    turnout = DecisionRecord.objects.get(stage=stage).turnout

    personal_data_retention()
    assert Participation.objects.count() == 2  # the project is still active

    project_services.project_update(actor=facilitator, project=project, status="finished")
    personal_data_retention()
    assert Participation.objects.count() == 2  # closed, but not long enough ago

    from decisions.services.retention import participations_delete_after_close

    counts = participations_delete_after_close(now=timezone.now() + 366 * DAY, after_days=365)
    assert counts == {str(project.pk): 2}
    assert not Participation.objects.exists()
    assert DecisionRecord.objects.get(stage=stage).turnout == turnout
    event = AuditEvent.objects.get(project_id=project.pk, action="retention.participation_deleted")
    assert event.details == {"count": 2, "after_days": 365}
    assert verify_chain(project.pk).intact
