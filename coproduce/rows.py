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
import hashlib
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
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


# --- Statements PostgreSQL plans once per connection ---------------------------------------
#
# The statements every page or cast sends (a page's stage, a cast, the trail's counted
# insert) are planned once per database connection, then executed by name: PostgreSQL
# spends more CPU parsing and planning them than running them. A statement is prepared
# in the same round trip as its first execution (`PREPARE …; EXECUTE …`), so the number
# of statements a request sends does not depend on whether it was the first. Prepared
# statements outlive a transaction's rollback, and PostgreSQL plans them again itself
# after a schema change. Behind a pooler that hands each transaction another server
# connection (PgBouncer in transaction mode), set DATABASE_PREPARED_STATEMENTS=false.

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_prepared: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Prepared:
    name: str
    prepare: str
    execute: str
    params: tuple[str, ...]


@functools.cache
def _prepared_form(label: str, sql: str) -> Prepared:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    body = _PLACEHOLDER.sub(number, sql)
    name = f"coproduce_{label}_{hashlib.sha256(sql.encode()).hexdigest()[:12]}"
    arguments = f" ({', '.join(['%s'] * len(names))})" if names else ""
    return Prepared(
        name=name,
        prepare=f"PREPARE {name} AS {body};\n",
        execute=f"EXECUTE {name}{arguments}",
        params=tuple(names),
    )


def execute(cursor: Any, label: str, sql: str, params: dict[str, Any]) -> None:
    """`cursor.execute(sql, params)` (named `%(name)s` parameters), as a statement
    prepared once per connection when DATABASE_PREPARED_STATEMENTS is on. `label` names
    it (`coproduce_<label>_<hash>`), so it is known in PostgreSQL's views and logs."""
    if not settings.DATABASE_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    form = _prepared_form(label, sql)
    known = _prepared.setdefault(cursor.db.connection, {})
    values = [params[name] for name in form.params]
    state = known.get(form.name)
    if state is _UNSURE:  # a first execution failed: was the PREPARE before it done?
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [form.name])
        state = _PREPARED if cursor.fetchone() else None
    if state is _PREPARED:
        cursor.execute(form.execute, values)
    else:
        known[form.name] = _UNSURE
        cursor.execute(form.prepare + form.execute, values)
    known[form.name] = _PREPARED


_PREPARED, _UNSURE = "prepared", "unsure"
