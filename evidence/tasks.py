"""Scheduled work for the evidence: closing (and sealing) pulses whose time is over, and
sealing the anonymous reflections of stages whose reflection has ended."""

from __future__ import annotations

from celery import shared_task

from evidence.services import pulses_close_due, reflections_seal_due


@shared_task
def pulses_close() -> int:
    closed = pulses_close_due()
    reflections_seal_due()
    return closed
