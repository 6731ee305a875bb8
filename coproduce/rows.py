"""Model instances from hand-written SQL, for the few reads on every request's path.

The ORM builds the SQL of a query anew on each request; for the read that starts every
project page (the stage, its project, the person's membership and rights: one statement)
that building costs more than the database's work. `columns` writes a model's select
list once per process, from the model's own fields, and `instance` turns the columns of
a row back into an instance exactly as the ORM would: `Model.from_db`, after the same
database converters the ORM applies (JSON, for example).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


@dataclass(frozen=True)
class Columns:
    """A model's concrete columns under one table alias, in the ORM's order."""

    model: type[Model]
    sql: str
    attnames: tuple[str, ...]
    pk_index: int
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]

    def __len__(self) -> int:
        return len(self.attnames)


@functools.cache
def columns(model: type[Model], alias: str) -> Columns:
    """The select list of `model`'s concrete fields as `alias`.<column>, written once."""
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, tuple(found), column))
    return Columns(
        model=model,
        sql=", ".join(f"{quote(alias)}.{quote(field.column)}" for field in fields),
        attnames=tuple(field.attname for field in fields),
        pk_index=[field.primary_key for field in fields].index(True),
        converters=tuple(converters),
    )


def instance(cols: Columns, row: Sequence[Any], start: int = 0) -> Model | None:
    """The instance in `row[start:start + len(cols)]`, or None when its key is NULL (an
    outer join that found nothing)."""
    values = list(row[start : start + len(cols)])
    if values[cols.pk_index] is None:
        return None
    connection = connections[DEFAULT_DB_ALIAS]
    for index, converters, column in cols.converters:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return cols.model.from_db(DEFAULT_DB_ALIAS, list(cols.attnames), values)
