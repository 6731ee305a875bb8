"""Scheduled work of decisions: thin, idempotent, calling services only."""

from __future__ import annotations

from celery import shared_task

from decisions.notify import voting_reminders_send
from decisions.services import stages_advance


@shared_task
def stages_advance_due() -> int:
    """Open, open voting on, and close every stage whose time has come."""
    return len(stages_advance())


@shared_task
def voting_reminders_due() -> int:
    """Remind members who have not voted, at the hours their stage sets."""
    return voting_reminders_send()
