"""Time the audit trail's pages as votes accumulate: 10 events, then 10,000.

Run (needs a PostgreSQL server; it creates and drops a throwaway database there):

    .venv/bin/python -m bench.bench_trail
    .venv/bin/python -m bench.bench_trail --events 10 10000 50000 --repeat 30

One project made through the real services; its votes are `ballot.cast` events written
through the real `record()` (so the chain and everything kept beside it are as a cast
leaves them), by 200 members over the 30 days before today, re-casting as they go. For
each size it times, in process, the full trail page and the members' history through
Django's test client (the median of `--repeat` requests, after one to warm up) and the
votes-per-day read on its own, and counts each page's queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import types
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.bench_audit import (
    DEFAULT_SERVER,
    _configure_environment,
    _create_database,
    _database_url,
    _drop_database,
    _prepare_project,
)

BENCH_SUFFIX = "_bench_trail"
MEMBERS = 200
DAYS = 30


class _Person:
    """What `record()` reads of an actor: its id and its name."""

    def __init__(self, pk: int) -> None:
        self.pk = pk

    def __str__(self) -> str:
        return f"Member {self.pk}"


def _add_votes(project: Any, count: int) -> None:
    """Append `count` ballot.cast events through `record()`, spread over past days."""
    from django.db import transaction
    from django.utils import timezone

    import coproduce.audit.record as record_module
    from coproduce.audit.record import record
    from projects.models import Stage

    stages = [str(pk) for pk in Stage.objects.filter(project=project).values_list("pk", flat=True)]
    start = timezone.now() - timedelta(days=DAYS + 1)
    step = timedelta(days=DAYS) / max(count, 1)
    real = record_module.timezone
    try:
        with transaction.atomic():
            for number in range(count):
                moment = start + step * number
                record_module.timezone = types.SimpleNamespace(now=lambda moment=moment: moment)
                record(
                    action="ballot.cast",
                    actor=_Person(10_000 + number % MEMBERS),
                    project_id=project.pk,
                    details={"stage": stages[(number // 997) % 2 + 1]},
                )
    finally:
        record_module.timezone = real


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _queries(run: Callable[[], object]) -> tuple[int, float]:
    """How many queries one run makes, and the database's share of its time (ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    spent = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    return len(captured.captured_queries), spent


def _measure(
    project: Any, facilitator: Any, repeat: int
) -> dict[str, tuple[float, tuple[int, float]]]:
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import force_login_with_two_factors
    from trail import selectors

    client = Client()
    # Facilitators use the trail with two factors in this very sign-in.
    force_login_with_two_factors(client, facilitator)
    trail_url = reverse("trail:trail", kwargs={"project_id": project.pk})
    history_url = reverse("trail:history", kwargs={"project_id": project.pk})

    def page(url: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        return get

    def votes() -> object:
        return selectors.ballot_days(project.pk, selectors.TrailFilters(), limit=60)

    measured = {}
    for label, run in (
        ("trail page", page(trail_url)),
        ("members' history", page(history_url)),
        ("votes per day (read)", votes),
    ):
        measured[label] = (_median_ms(run, repeat), _queries(run))
    return measured


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[10, 10_000])
    parser.add_argument("--repeat", type=int, default=20, help="requests timed per size")
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL", DEFAULT_SERVER),
        help="a PostgreSQL URL; the benchmark uses its own database on that server",
    )
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    arguments = parser.parse_args(argv)

    database = (urlsplit(arguments.server).path.lstrip("/") or "coproduce") + BENCH_SUFFIX
    out_dir = Path(tempfile.mkdtemp(prefix="coproduce-bench-trail-"))
    _create_database(arguments.server, database)
    _configure_environment(_database_url(arguments.server, database), out_dir / "var")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from coproduce.audit.models import AuditEvent

        call_command("migrate", verbosity=0)
        project, facilitator = _prepare_project()
        rows = []
        written = 0
        for size in sorted(arguments.events):
            started = time.perf_counter()
            _add_votes(project, size - written)
            written = size
            took = time.perf_counter() - started
            total = AuditEvent.objects.filter(project_id=project.pk).count()
            print(f"{size:,} votes written ({total:,} events in the chain) in {took:.1f} s")
            connection.cursor().execute("ANALYZE")
            measured = _measure(project, facilitator, arguments.repeat)
            for label, (ms, (queries, in_sql)) in measured.items():
                rows.append((f"{size:,}", label, ms, queries, in_sql))
        print()
        print(f"{'votes':>8}  {'what':<22} {'median ms':>10} {'queries':>8} {'in SQL ms':>10}")
        for size, label, ms, queries, in_sql in rows:
            print(f"{size:>8}  {label:<22} {ms:>10.1f} {queries:>8} {in_sql:>10.1f}")
        print(f"\n(at {datetime.now():%Y-%m-%d %H:%M}, load average {os.getloadavg()[0]:.2f})")
        connection.close()
    finally:
        if not arguments.keep:
            _drop_database(arguments.server, database)


if __name__ == "__main__":
    main()
