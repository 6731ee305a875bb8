"""Every write about the evidence of a project: one transaction each, audited.

- `reflection`: answers to a stage's questions to reflect on, hiding one, and sealing
  the anonymous ones when reflection on the stage ends;
- `pulse`: the pulse's statements, sending it when a stage closes (and, on the
  schedule, any a failed hook did not send), answering it anonymously, closing and
  sealing it;
- `reports`: making a co-production report, kept as it was made.
"""

from __future__ import annotations

from coproduce.errors import RightsError, RuleError
from evidence.services.pulse import (
    pulse_answer,
    pulse_close,
    pulse_open,
    pulse_statements_update,
    pulses_close_due,
    pulses_open_missing,
)
from evidence.services.reflection import (
    reflection_answer_create,
    reflection_answer_hide,
    reflections_seal_due,
)
from evidence.services.reports import report_make

__all__ = [
    "RightsError",
    "RuleError",
    "pulse_answer",
    "pulse_close",
    "pulse_open",
    "pulse_statements_update",
    "pulses_close_due",
    "pulses_open_missing",
    "reflection_answer_create",
    "reflection_answer_hide",
    "reflections_seal_due",
    "report_make",
]
