"""Walk a hash chain and name the first event that does not match."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import GENESIS_HASH, event_hash

_CHUNK = 5_000


@dataclass(frozen=True)
class ChainResult:
    project_id: uuid.UUID | None
    events_checked: int
    first_bad_event_id: int | None
    problem: str = ""
    first_bad_sequence: int | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad_event_id is None


class _StoredEvent:
    """A stored row as `event_hash` reads an event: the same attributes, without a model
    instance per row (one object, reloaded for each row)."""

    __slots__ = (
        "action",
        "actor_id",
        "actor_label",
        "created_at",
        "details",
        "hash",
        "object_id",
        "object_type",
        "pk",
        "previous_hash",
        "project_id",
        "request_id",
        "sequence",
    )

    def __init__(self, project_id: str | None) -> None:
        self.project_id = project_id

    def load(self, row: tuple[Any, ...]) -> None:
        (
            self.pk,
            self.sequence,
            self.action,
            self.actor_id,
            self.actor_label,
            self.object_type,
            self.object_id,
            details_text,
            self.request_id,
            self.created_at,
            self.previous_hash,
            self.hash,
        ) = row
        self.details = json.loads(details_text)


def verify_chain(project_id: uuid.UUID | None) -> ChainResult:
    """Check every event of one chain: its own hash, its link and its position.

    Reads plain rows, `details` as JSON text parsed here: a million events are
    checked in seconds. `event_hash` reads attributes, so it takes these rows as
    they are and stays the one definition of the hash.
    """
    rows = (
        AuditEvent.objects.filter(project_id=project_id)
        .annotate(details_text=Cast("details", TextField()))
        .order_by("sequence")
        .values_list(
            "pk",
            "sequence",
            "action",
            "actor_id",
            "actor_label",
            "object_type",
            "object_id",
            "details_text",
            "request_id",
            "created_at",
            "previous_hash",
            "hash",
        )
    )
    # The chain's id as `event_hash` writes it (text): one conversion, not one per row.
    event = _StoredEvent(str(project_id) if project_id else None)
    # One read-only transaction: a plain server-side cursor (no copy of the result kept
    # for after a commit), and one consistent view of the chain. It blocks no writer.
    with transaction.atomic():
        return _walk(project_id, event, rows.iterator(chunk_size=_CHUNK))


def _walk(project_id: uuid.UUID | None, event: _StoredEvent, rows: Iterator[Any]) -> ChainResult:
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for row in rows:
        event.load(row)
        checked += 1
        problem = ""
        if event.sequence != expected_sequence:
            problem = "an event is missing before it"
        elif event.previous_hash != previous_hash:
            problem = "its link to the previous event"
        elif event_hash(event) != event.hash:  # type: ignore[arg-type]
            problem = "its content was changed"
        if problem:
            return ChainResult(project_id, checked, event.pk, problem, event.sequence)
        previous_hash = event.hash
        expected_sequence += 1
    return ChainResult(project_id, checked, None)


def verify_all_chains() -> list[ChainResult]:
    chains = AuditEvent.objects.order_by().values_list("project_id", flat=True).distinct()
    return [verify_chain(project_id) for project_id in chains]
