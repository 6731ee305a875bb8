"""What projects tells later layers, without knowing them.

`stage_closed` is sent after the transaction that closed a stage commits (never for
a change rolled back), with `stage_id`. A receiver does its own work in its own
transaction through its own services; a failing receiver is logged and does not undo
the close (`transaction.on_commit(..., robust=True)`).
"""

from __future__ import annotations

from django.dispatch import Signal

stage_closed = Signal()
