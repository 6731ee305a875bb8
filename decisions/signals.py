"""What decisions announces to the layers after it, which it must not import.

`decision_recorded` is sent once a decision record is committed (`voting_close`), with
`record` (the DecisionRecord). A receiver only hands it to its own service: the rules
live in that service, which is idempotent, so a receiver that failed can be made good
by a sweep (delivery's daily task does this for recommendations).
"""

from __future__ import annotations

from django.dispatch import Signal

decision_recorded = Signal()
