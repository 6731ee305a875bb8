"""Scheduled work for the evidence, every quarter of an hour: sending any pulse a stage's
close should have sent (its hook failed), closing (and sealing) pulses whose time is
over, and sealing the anonymous reflections of stages whose reflection has ended. Each
step is idempotent: running the task twice does no harm."""

from __future__ import annotations

from celery import shared_task

from evidence.services import pulses_close_due, pulses_open_missing, reflections_seal_due


@shared_task
def pulses_due() -> dict[str, int]:
    return {
        "sent": pulses_open_missing(),
        "closed": pulses_close_due(),
        "reflections_sealed": reflections_seal_due(),
    }
