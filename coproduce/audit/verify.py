"""Walk a hash chain and name the first event that does not match."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import GENESIS_HASH, event_hash


@dataclass(frozen=True)
class ChainResult:
    project_id: uuid.UUID | None
    events_checked: int
    first_bad_event_id: int | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad_event_id is None


def verify_chain(project_id: uuid.UUID | None) -> ChainResult:
    """Check every event of one chain: its own hash, its link and its position."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    events = AuditEvent.objects.filter(project_id=project_id).order_by("sequence")
    for event in events.iterator(chunk_size=5000):
        checked += 1
        if event.sequence != expected_sequence:
            return ChainResult(project_id, checked, event.pk, "an event is missing before it")
        if event.previous_hash != previous_hash:
            return ChainResult(project_id, checked, event.pk, "its link to the previous event")
        if event_hash(event) != event.hash:
            return ChainResult(project_id, checked, event.pk, "its content was changed")
        previous_hash = event.hash
        expected_sequence += 1
    return ChainResult(project_id, checked, None)


def verify_all_chains() -> list[ChainResult]:
    chains = AuditEvent.objects.order_by().values_list("project_id", flat=True).distinct()
    return [verify_chain(project_id) for project_id in chains]
