"""Scheduled work of delivery: thin, idempotent, calling services only."""

from __future__ import annotations

from celery import shared_task

from delivery.notify import delivery_reminders_send
from delivery.services import recommendations_sweep


@shared_task
def delivery_reminders_due() -> int:
    """Make any recommendations a closed vote has not made yet, then send the reminders
    that are due (responses to sponsors, actions to their owners)."""
    recommendations_sweep()
    return delivery_reminders_send()
