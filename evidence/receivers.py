"""Listening to projects: when a stage closes (after commit), send its pulse."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from projects.signals import stage_closed


@receiver(stage_closed, dispatch_uid="evidence.pulse_open")
def _send_the_pulse(sender: Any, stage_id: Any, **kwargs: Any) -> None:
    from evidence.services import pulse_open

    pulse_open(actor=None, stage_id=stage_id)
