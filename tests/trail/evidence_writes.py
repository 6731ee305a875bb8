"""The evidence services for tests/trail/test_completeness.py: how to run each write and the
events it must record. Kept beside it so that each app's list stays in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

import evidence.services
from projects import services
from projects.models import Stage
from tests.trail.completeness_cast import (
    Cast,
    Run,
    _first_stage,
)


def _pulse_stage(cast: Cast) -> Stage:
    """The first stage (no vote) opened and closed: its pulse is sent."""
    stage = _first_stage(cast)
    stage = services.stage_transition(actor=cast.facilitator, stage=stage, to_state="open")
    return services.stage_transition(actor=cast.facilitator, stage=stage, to_state="closed")


def _open_pulse(cast: Cast):  # type: ignore[no-untyped-def]
    stage = _pulse_stage(cast)
    pulse = evidence.services.pulse_open(actor=None, stage_id=stage.pk)
    pulse.stage.project = cast.project
    return pulse


def _reflection(cast: Cast, *, anonymous: bool = False):  # type: ignore[no-untyped-def]
    stage = services.stage_transition(
        actor=cast.facilitator, stage=_first_stage(cast), to_state="open"
    )
    return evidence.services.reflection_answer_create(
        actor=cast.member, stage=stage, question_number=1, body="Heard", anonymous=anonymous
    )


def _reflection_ended(cast: Cast) -> None:
    """An anonymous answer in a project that then stops: reflection on the stage ends."""
    _reflection(cast, anonymous=True)
    services.project_update(actor=cast.facilitator, project=cast.project, status="finished")


EVIDENCE_WRITES: dict[str, tuple[Callable[[Cast], Run], set[str]]] = {
    "reflection_answer_create": (lambda c: lambda r=None: _reflection(c), {"reflection.answered"}),
    "reflections_seal_due": (
        lambda c: lambda r=_reflection_ended(c): evidence.services.reflections_seal_due(),
        {"reflections.sealed"},
    ),
    "reflection_answer_hide": (
        lambda c: (
            lambda a=_reflection(c): evidence.services.reflection_answer_hide(
                actor=c.facilitator, answer=a, reason="Names a person"
            )
        ),
        {"reflection.hidden"},
    ),
    "pulse_statements_update": (
        lambda c: (
            lambda s=_first_stage(c): evidence.services.pulse_statements_update(
                actor=c.facilitator, stage=s, statements=["I was heard"], ask_ladder=True
            )
        ),
        {"pulse.statements_changed"},
    ),
    "pulse_open": (
        lambda c: lambda s=_pulse_stage(c): evidence.services.pulse_open(actor=None, stage_id=s.pk),
        {"pulse.opened"},
    ),
    # The stage closed here without its hook running, as when the hook failed.
    "pulses_open_missing": (
        lambda c: lambda s=_pulse_stage(c): evidence.services.pulses_open_missing(),
        {"pulse.opened"},
    ),
    "pulse_answer": (
        lambda c: (
            lambda p=_open_pulse(c): evidence.services.pulse_answer(
                actor=c.member, pulse=p, scores=[5, 4, None, 3], rung="co_production"
            )
        ),
        {"pulse.answered"},
    ),
    "pulse_close": (
        lambda c: (
            lambda p=_open_pulse(c): evidence.services.pulse_close(actor=c.facilitator, pulse=p)
        ),
        {"pulse.closed"},
    ),
    "pulses_close_due": (
        lambda c: (
            lambda p=_open_pulse(c): evidence.services.pulses_close_due(
                now=timezone.now() + dt.timedelta(days=15)
            )
        ),
        {"pulse.closed"},
    ),
    "report_make": (
        lambda c: lambda: evidence.services.report_make(actor=c.facilitator, project=c.project),
        {"report.made"},
    ),
}
