"""Write an audit event in the caller's transaction, chained to the previous one."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coproduce.audit.events import event_type
from coproduce.audit.models import SYSTEM_LABEL, AuditEvent
from coproduce.audit.request_id import current_request_id

GENESIS_HASH = "0" * 64
# The canonical form of an event's content. The same output as
# json.dumps(content, sort_keys=True, separators=(",", ":"), default=str), with the
# encoder made once: verifying a million events spends most of its time here.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def event_hash(event: AuditEvent) -> str:
    """Hash an event's content together with the previous event's hash."""
    content = {
        "project_id": str(event.project_id) if event.project_id else None,
        "sequence": event.sequence,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "request_id": event.request_id,
        "created_at": event.created_at.isoformat(),
        "previous_hash": event.previous_hash,
    }
    return hashlib.sha256(_CANONICAL_JSON(content).encode()).hexdigest()


def _lock_chain(project_id: uuid.UUID | None) -> None:
    # One writer per chain at a time, until the transaction ends.
    key = int.from_bytes(hashlib.sha256(str(project_id).encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def record(
    *,
    action: str,
    actor: Any | None,
    actor_label: str | None = None,
    project_id: uuid.UUID | None = None,
    target: Any | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction, after the change.

    `actor` None means the system (scheduled work). `actor_label` is how the actor is
    shown: their pseudonym in the project. `details` must hold no clinical or
    free-text personal content, and for a ballot never what was voted. `action` must be
    a type of `coproduce.audit.events` (`UnknownEventType` otherwise).
    """
    event_type(action)  # refuses a name the registry does not know
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record() must run inside the transaction of the change it records.")
    _lock_chain(project_id)
    last = (
        AuditEvent.objects.filter(project_id=project_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    event = AuditEvent(
        project_id=project_id,
        sequence=sequence,
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label or (str(actor) if actor is not None else SYSTEM_LABEL),
        object_type=type(target).__name__.lower() if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        details=json.loads(json.dumps(details or {}, default=str)),
        request_id=current_request_id(),
        created_at=timezone.now(),
        previous_hash=previous_hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event
