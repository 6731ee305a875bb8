"""Replace an erased person's names in the trail, without breaking its chain.

An event of format 2 (`record.HASH_VERSION`) is hashed with a salted digest of its
names instead of the names (`record.personal_digest`). Erasing an account replaces
those names with the label the person has now ("Former member N") and removes the
salt ("shredded"): the stored names no longer say who it was, the digest alone cannot
be turned back into the old name without the salt, and the hash, which covers the
digest, still matches. This is the one UPDATE the table's trigger lets through
(`models.NAMES_FORGOTTEN_ONLY`). Events of format 1 (made before format 2) keep the
name: their hash covers it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import PERSON_KEY

# The events that name the person: those they did (their label as the actor), and
# those about one of their memberships that name them in their details.
_FORGET_SQL = """
UPDATE {events} SET
    actor_label = CASE WHEN actor_id = %(person)s THEN %(label)s ELSE actor_label END,
    details = CASE
        WHEN object_type = 'membership' AND object_id = ANY(%(memberships)s)
             AND jsonb_typeof(details) = 'object' AND details ? %(key)s
        THEN jsonb_set(details, ARRAY[%(key)s], to_jsonb(%(label)s::text))
        ELSE details
    END,
    label_salt = NULL
WHERE hash_version = 2
  AND label_salt IS NOT NULL
  AND (
      actor_id = %(person)s
      OR (object_type = 'membership' AND object_id = ANY(%(memberships)s)
          AND jsonb_typeof(details) = 'object' AND details ? %(key)s)
  )
"""


def forget_names(*, person_id: int, membership_ids: Iterable[object], label: str) -> int:
    """Name an erased person `label` in every event of format 2 that names them: as the
    actor (`actor_id`), and as the "person" of the events about their memberships. Those
    events lose their salt. Returns how many events changed.

    Call it inside the erasure's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("forget_names() must run inside the erasure's transaction.")
    sql = _FORGET_SQL.format(events=connection.ops.quote_name(AuditEvent._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "person": person_id,
                "label": label,
                "memberships": [str(membership_id) for membership_id in membership_ids],
                "key": PERSON_KEY,
            },
        )
        return cursor.rowcount
