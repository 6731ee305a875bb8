"""The foundation's tasks run on a real Celery worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from coproduce.tasks import sessions_clear_expired
from participants.tasks import email_send, serialize_email
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_account_email_is_sent_by_the_worker(celery_worker) -> None:
    mail.outbox.clear()
    message = EmailMultiAlternatives(
        subject="Your sign-in code",
        body="ABC123",
        from_email="portal@example.org",
        to=["a@example.org"],
    )
    message.attach_alternative("<p>ABC123</p>", "text/html")
    email_send.delay(serialize_email(message))

    sent = wait_for(lambda: mail.outbox and mail.outbox[0])
    assert sent.subject == "Your sign-in code"
    assert sent.to == ["a@example.org"]
    assert sent.alternatives[0][0] == "<p>ABC123</p>"


def test_expired_sessions_are_cleared_by_the_worker(celery_worker) -> None:
    old = SessionStore()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    current = SessionStore()
    current.create()

    sessions_clear_expired.delay()

    wait_for(lambda: not Session.objects.filter(session_key=old.session_key).exists())
    assert Session.objects.filter(session_key=current.session_key).exists()
