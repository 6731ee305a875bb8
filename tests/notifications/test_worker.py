"""Sending through a real Celery worker: each right-away notification is emailed once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from participants.models import User
from participants.notifications import services
from participants.notifications.models import Kind, Notification
from participants.tasks import notification_digests_send, notifications_email_send
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _notify(people: list[User], key: str) -> list[str]:
    with transaction.atomic():
        return services.notify(
            recipients=people,
            kind=Kind.VOTING_OPENED,
            key=key,
            subject="Voting has opened",
            body="Voting has opened.",
            link="/projects/",
        )


def _drain(marker: User) -> None:
    """The worker runs one task at a time, in order: once a later email arrives, all
    earlier tasks have run."""
    _notify([marker], key="marker:1")
    wait_for(lambda: any(message.to == [marker.email] for message in mail.outbox))
    # The email leaves before the worker's transaction that marks it sent commits.
    wait_for(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())


def test_a_notification_is_emailed_once_when_the_task_runs_again(
    carer_member: User, clinician_member: User, outsider: User, celery_worker
) -> None:
    keys = _notify([carer_member, clinician_member], key="voting_opened:1")
    wait_for(lambda: len(mail.outbox) == 2)
    # A retry, a duplicate delivery and a second notify() of the same event.
    notifications_email_send.delay(keys)
    notifications_email_send.delay(keys)
    _notify([carer_member, clinician_member], key="voting_opened:1")
    _drain(outsider)
    sent_to = sorted(message.to[0] for message in mail.outbox if message.to != [outsider.email])
    assert sent_to == ["carer@example.org", "clinician@example.org"]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_daily_email_task_sends_one_email(
    carer_member: User, outsider: User, celery_worker
) -> None:
    services.preferences_update(
        actor=carer_member, user=carer_member, choices={Kind.VOTING_OPENED: "digest"}
    )
    _notify([carer_member], key="voting_opened:1")
    _notify([carer_member], key="voting_opened:2")
    notification_digests_send.delay()
    notification_digests_send.delay()
    _drain(outsider)
    digests = [message for message in mail.outbox if message.to == [carer_member.email]]
    assert len(digests) == 1
    assert "There are 2 new things" in digests[0].body
