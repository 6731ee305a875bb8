"""Scheduled work for the evidence: closing (and sealing) pulses whose time is over."""

from __future__ import annotations

from celery import shared_task

from evidence.services import pulses_close_due


@shared_task
def pulses_close() -> int:
    return pulses_close_due()
