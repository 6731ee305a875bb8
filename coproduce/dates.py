"""The years the portal works in: what a form accepts and what the database stores.

A date a person types is read in their own time zone and stored in UTC. A year at
the edge of what Python can hold (1 or 9999) typed in a far time zone (Etc/GMT-14)
becomes year 0 or 10000 once stored, which PostgreSQL keeps but Python cannot read
back: every page and the scheduler that read that row would fail. So forms accept
the years 2000 to 2100 (with a kind message, the typed text kept), and the database
refuses any stored moment outside a wider window (1900 to 2199), a backstop that no
time zone can push past what Python reads.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100

# What the database accepts (CHECK constraints): from the first moment of 1900 to
# before 2200, in UTC. Wider than the forms' years by far more than any time zone.
STORED_FROM = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
STORED_UNTIL = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def validate_year_in_range(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date or time outside the years the portal works in, kindly."""
    if value is None:
        return
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _(
                "Enter a date between the years %(earliest)s and %(latest)s, for example "
                "3 March 2027."
            ),
            code="year_out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


def stored_in_range(field: str):  # type: ignore[no-untyped-def]
    """The condition of a CHECK constraint: the moment is empty or within the window."""
    from django.db.models import Q

    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": STORED_FROM, f"{field}__lt": STORED_UNTIL}
    )
