"""Background work about people: sending their account emails and notifications."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.core.mail import EmailMessage, EmailMultiAlternatives

from participants.notifications import services as notifications


def serialize_email(message: EmailMessage) -> dict[str, Any]:
    """Turn a rendered message into plain data a task can carry."""
    alternatives = getattr(message, "alternatives", [])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(content), mimetype] for content, mimetype in alternatives],
        "content_subtype": message.content_subtype,
    }


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def email_send(payload: dict[str, Any]) -> None:
    """Send one rendered account email (sign-in code, verification, password reset)."""
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload["headers"],
    )
    message.content_subtype = payload["content_subtype"]
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()


# --- Notifications: thin and idempotent, each calling a service ---------------------


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def notifications_email_send(keys: list[str]) -> int:
    """Email the right-away notifications with these keys, each once."""
    return notifications.notifications_email(keys=keys)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def notifications_email_unsent() -> int:
    """Send right-away notifications whose queued send was lost (runs every few minutes)."""
    return notifications.notifications_email_unsent()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def notification_digests_send() -> int:
    """Send each person their daily email of notifications (runs once a day)."""
    return notifications.digests_send()
