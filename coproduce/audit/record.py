"""Write an audit event in the caller's transaction, chained to the previous one."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from coproduce import rows
from coproduce.audit.events import event_type
from coproduce.audit.models import (
    BALLOT_PREFIX,
    STAGE_DETAIL_KEYS,
    SYSTEM_LABEL,
    AuditDayCount,
    AuditEvent,
    is_counted,
)
from coproduce.audit.request_id import current_request_id

GENESIS_HASH = "0" * 64
# The canonical form of an event's content. The same output as
# json.dumps(content, sort_keys=True, separators=(",", ":"), default=str), with the
# encoder made once: verifying a million events spends most of its time here.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


# The format of the hash `record()` writes (`AuditEvent.hash_version`).
HASH_VERSION = 2
# The key of `details` that names a person (the membership events): a name, like
# `actor_label`, that erasing the person's account replaces.
PERSON_KEY = "person"


def personal_digest(salt: str, actor_label: str, details: Any) -> str:
    """The salted hash of an event's names: what a format 2 hash covers instead of them.

    sha256 of the salt (hex text) followed by the canonical JSON of
    {"actor_label": ..., "person": details["person"] or null}.
    """
    person = details.get(PERSON_KEY) if isinstance(details, dict) else None
    names = _CANONICAL_JSON({"actor_label": actor_label, "person": person})
    return hashlib.sha256((salt + names).encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """Hash an event's content together with the previous event's hash.

    Format 1 covers the names as they are. Format 2 covers, instead of `actor_label`
    and `details["person"]`, the event's `personal_digest` (and says it is format 2),
    so the names can be replaced without changing the hash.
    """
    version = getattr(event, "hash_version", 1)
    if version == 1:
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
    else:
        details = event.details
        if isinstance(details, dict) and PERSON_KEY in details:
            details = {key: value for key, value in details.items() if key != PERSON_KEY}
        content = {
            "hash_version": version,
            "project_id": str(event.project_id) if event.project_id else None,
            "sequence": event.sequence,
            "action": event.action,
            "actor_id": event.actor_id,
            "personal_digest": event.personal_digest,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": details,
            "request_id": event.request_id,
            "created_at": event.created_at.isoformat(),
            "previous_hash": event.previous_hash,
        }
    return hashlib.sha256(_CANONICAL_JSON(content).encode()).hexdigest()


def _chain_key(project_id: uuid.UUID | None) -> int:
    return int.from_bytes(hashlib.sha256(str(project_id).encode()).digest()[:8], "big", signed=True)


def lock_chain(project_id: uuid.UUID | None) -> None:
    """Hold the chain until the transaction ends: one writer at a time, and nothing is
    appended meanwhile (what reads the head and writes beside it sees one moment)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_chain_key(project_id)])


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
    a type of `coproduce.audit.events` (`UnknownEventType` otherwise); an anonymous
    type is written with no actor and no request id.
    """
    found = event_type(action)  # refuses a name the registry does not know
    if found.anonymous and actor is not None:
        raise ValueError(f"{action!r} is anonymous: record it without the person who did it.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record() must run inside the transaction of the change it records.")
    # Everything but the event's place in the chain is made before taking the chain's
    # lock, which orders every writer of the project: it is held as briefly as can be.
    label = actor_label or (str(actor) if actor is not None else SYSTEM_LABEL)
    content = json.loads(json.dumps(details or {}, default=str))
    salt = secrets.token_hex(16)
    event = AuditEvent(
        project_id=project_id,
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_label=label,
        object_type=type(target).__name__.lower() if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        details=content,
        # The request's id would tie an anonymous event to the server's log of who asked.
        request_id="" if found.anonymous else current_request_id(),
        hash_version=HASH_VERSION,
        label_salt=salt,
        personal_digest=personal_digest(salt, label, content),
    )
    last = _lock_chain_and_read_head(project_id)
    event.sequence, event.previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    event.created_at = timezone.now()  # in the chain's order
    event.hash = event_hash(event)
    if is_counted(action) and project_id is not None:
        _insert_counted(event)
    else:
        event.save(force_insert=True)
    return event


def _lock_chain_and_read_head(project_id: uuid.UUID | None) -> tuple[int, str] | None:
    """Take the chain's lock, then read its newest position and hash: for a project's
    chain in one round trip (the function of migration coproduce 0007, whose statements
    each see what committed before them, so the head is read after the lock is granted);
    the site-wide chain, rarely written, in two plain statements."""
    with connection.cursor() as cursor:
        if project_id is not None:
            cursor.execute(
                "SELECT head_sequence, head_hash FROM coproduce_chain_lock_and_head(%s, %s)",
                [_chain_key(project_id), project_id],
            )
            return cursor.fetchone()
        lock_chain(None)
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        cursor.execute(
            f"SELECT sequence, hash FROM {table} WHERE project_id IS NULL "  # noqa: S608
            "ORDER BY sequence DESC LIMIT 1"
        )
        return cursor.fetchone()


def ballot_zone() -> zoneinfo.ZoneInfo:
    """Days of votes are counted in one zone for everyone: comparing the counts of two
    zones would otherwise split a day into hours."""
    return zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


def stage_ref_of(object_type: str, object_id: str, details: Any) -> str:
    """The stage an event is about, as SQL reads it (`_stage_ref_sql`, and the trail's
    `_stage_ref_expression`): its object when that is a stage, else the first stage its
    details name."""
    if object_type == "stage":
        return object_id
    if isinstance(details, dict):
        for key in STAGE_DETAIL_KEYS:
            value = details.get(key)
            if value is not None:
                return value if isinstance(value, str) else json.dumps(value)
    return ""


def _stage_ref_sql(table: str) -> str:
    keys = ", ".join(f"{table}.details ->> '{key}'" for key in STAGE_DETAIL_KEYS)
    return (
        f"COALESCE(CASE WHEN {table}.object_type = 'stage' THEN {table}.object_id END, {keys}, '')"
    )


# A counted event (a secret ballot, a pulse answered...) and its day's count, in one
# statement (so the chain's lock is held no longer than for any other event). The count
# goes up by one unless the same person already has an event of this action in this
# stage that day: the earlier events are those of the statement's snapshot, so never
# the one being appended (the chain's lock orders the writers, so two casts never both
# count as a first). An event with no person (an anonymous reflection) always counts.
# For ballots, `{ballot_index}` adds `LIKE 'ballot.%%'`, the predicate of the index
# `audit_ballots_by_actor`, written as Django writes it, so PostgreSQL uses that index
# for the earlier events (there may be millions of votes); the other counted actions
# are few, and the index by action serves them.
_COUNTED_INSERT_SQL = """
WITH appended AS (
    INSERT INTO {events} (project_id, sequence, action, actor_id, actor_label, object_type,
        object_id, details, request_id, created_at, previous_hash, hash, hash_version,
        personal_digest, label_salt)
    VALUES (%(project_id)s, %(sequence)s, %(action)s, %(actor_id)s, %(actor_label)s,
        %(object_type)s, %(object_id)s, %(details)s::jsonb, %(request_id)s, %(created_at)s,
        %(previous_hash)s, %(hash)s, %(hash_version)s, %(personal_digest)s, %(label_salt)s)
    RETURNING id
), counted AS (
    INSERT INTO {counts} AS day_count (project_id, day, stage_ref, action, members)
    VALUES (%(project_id)s, %(day)s, %(stage_ref)s, %(action)s, 1)
    ON CONFLICT (project_id, day, stage_ref, action) DO UPDATE
    SET members = day_count.members + 1
    WHERE NOT %(has_actor)s OR NOT EXISTS (
        SELECT 1 FROM {events} AS earlier
        WHERE earlier.project_id = %(project_id)s
          AND earlier.actor_id = %(actor_id)s
          AND earlier.created_at >= %(day_starts)s
          AND earlier.created_at < %(day_ends)s{ballot_index}
          AND earlier.action = %(action)s
          AND {earlier_stage} = %(stage_ref)s
    )
)
SELECT id FROM appended
"""
_BALLOT_INDEX = "\n          AND earlier.action::text LIKE 'ballot.%%'"


@functools.cache
def _counted_insert_sql(ballot: bool) -> str:
    quote = connection.ops.quote_name
    return _COUNTED_INSERT_SQL.format(
        events=quote(AuditEvent._meta.db_table),
        counts=quote(AuditDayCount._meta.db_table),
        earlier_stage=_stage_ref_sql("earlier"),
        ballot_index=_BALLOT_INDEX if ballot else "",
    )


def _insert_counted(event: AuditEvent) -> None:
    sql = _counted_insert_sql(event.action.startswith(BALLOT_PREFIX))
    day = event.created_at.astimezone(ballot_zone()).date()
    with connection.cursor() as cursor:
        rows.execute(
            cursor,
            "audit_counted_insert",
            sql,
            {
                "project_id": event.project_id,
                "sequence": event.sequence,
                "action": event.action,
                "actor_id": event.actor_id,
                "actor_label": event.actor_label,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "details": json.dumps(event.details),
                "request_id": event.request_id,
                "created_at": event.created_at,
                "previous_hash": event.previous_hash,
                "hash": event.hash,
                "hash_version": event.hash_version,
                "personal_digest": event.personal_digest,
                "label_salt": event.label_salt,
                "day": day,
                "day_starts": _day_start(day),
                "day_ends": _day_start(day + dt.timedelta(days=1)),
                "stage_ref": stage_ref_of(event.object_type, event.object_id, event.details),
                "has_actor": event.actor_id is not None,
            },
        )
        (event.pk,) = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ballot_zone())
