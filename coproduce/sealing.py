"""Sealing: rewrite rows that must never lead back to a person, so that nothing stored does.

Secret ballots, pulse answers and anonymous reflections hold no person. Yet while
they are being collected, PostgreSQL's own bookkeeping still ties each row to what
was written with it: the transaction that wrote it (`xmin`, shared with the "has
voted" row, the trail's entry, and whatever else that request wrote), its place in
the table (`ctid`: rows sit in the order they came), and anything the row keeps so
that it can be found again (a ballot's keyed hash). Sealing copies what each row says
into new rows with new random ids, in an order shuffled by the operating system's
random source, and deletes the old rows, in the caller's transaction. Afterwards
every sealed row was written by that one transaction, in an order that says nothing.

Every app that keeps such rows seals them with `rows_seal` when collecting them ends
(a vote closes, a pulse closes, reflection on a stage ends).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models, transaction

Row = TypeVar("Row", bound=models.Model)

Kept = dict[str, Any]


def rows_seal(
    rows: models.QuerySet[Row],
    *,
    keep: Sequence[str],
    rewrite: Callable[[Kept], Kept] | None = None,
    batch_size: int = 2000,
) -> int:
    """Write the rows again, shuffled, with new ids, and delete the old ones; return how many.

    `keep` names the columns copied (attribute names: `stage_id`, not `stage`); anything
    else (the old id above all) is left behind. `rewrite` may change what is kept of
    each row (drop a key, coarsen a date, pool a small group) before it is written.
    The model's primary key must be a UUID field named `id`. Call it inside the
    transaction that ends the collecting, holding the lock that stops new rows coming.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rows_seal() must run inside the transaction that ends collecting.")
    model = rows.model
    if not isinstance(model._meta.pk, models.UUIDField) or model._meta.pk.name != "id":
        raise TypeError(f"{model.__name__} needs a UUID primary key named id to be sealed.")
    kept: list[Kept] = list(rows.order_by().values(*keep))
    if not kept:
        return 0
    secrets.SystemRandom().shuffle(kept)
    rows.order_by().delete()
    model._default_manager.bulk_create(
        [model(id=uuid.uuid4(), **(rewrite(values) if rewrite else values)) for values in kept],
        batch_size=batch_size,
    )
    return len(kept)
