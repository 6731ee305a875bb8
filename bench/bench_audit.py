"""Write a million audit events into one project, then time exporting and verifying them.

Run (needs a PostgreSQL server; it creates and drops a throwaway database there):

    .venv/bin/python -m bench.bench_audit                      # 1,000,000 events
    .venv/bin/python -m bench.bench_audit --events 200000 --keep
    .venv/bin/python -m bench.bench_audit --reuse --only csv view   # again, same rows

The server comes from DATABASE_URL (any database on it: the benchmark makes its own,
`<name>_bench_audit`) or `--server`. Each measurement runs in a fresh process, so its
peak memory (the kernel's high-water mark of resident memory, VmHWM, reset just before
the measured work) is its own: the table shows that peak, and how far it rose above
the process's size before the work began (what the work itself cost). Each measurement
runs `--repeat` times (3): the table shows the best time and the highest peak.

Measured, one after the other, over the same rows:
- the background export's writer (`exports.write_file`, CSV and JSON Lines) to a file;
- the streaming export as a browser gets it (the view through Django's test client,
  every chunk read and dropped);
- PostgreSQL's own `COPY (SELECT … ORDER BY sequence) TO STDOUT WITH CSV` into a file,
  the same rows and stored columns;
- `verify_chain` over the project's chain.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_SUFFIX = "_bench_audit"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
SEED_ACTIONS = (
    # (action, object_type, share): a mix like a busy project's, with no ballots (those
    # are summarised per day, so they would not be "the same rows" as COPY's).
    ("proposal.created", "proposal", 30),
    ("comment.created", "comment", 40),
    ("proposal.edited", "proposal", 10),
    ("stage.updated", "stage", 5),
    ("membership.started", "membership", 5),
    ("invitation.sent", "invitation", 5),
    ("account.viewed", "project", 5),
)


def _database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _configure_environment(database_url: str, var_dir: Path) -> None:
    """Production-like settings (DEBUG off: no query log growing in memory)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
    os.environ.setdefault("BALLOT_SECRET_KEY", "bench-only-ballot-key-not-for-production-012345678")
    os.environ.setdefault("SITE_URL", "http://bench.test")
    os.environ["TEST_RUN"] = "true"
    os.environ["ALLOW_HTTP"] = "true"
    os.environ.setdefault("EMAIL_URL", "memorymail://")
    os.environ["COPRODUCE_VAR_DIR"] = str(var_dir)
    os.environ["HTTPS"] = "false"
    os.environ["ALLOWED_HOSTS"] = "*"
    os.environ["STATIC_MANIFEST"] = "false"
    os.environ["PASSWORD_HASHERS"] = "django.contrib.auth.hashers.MD5PasswordHasher"  # noqa: S105 (fast, throwaway)
    os.environ["CELERY_BROKER_URL"] = "memory://"


def _setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings

    # The trail's pages, whether or not coproduce/urls.py includes them yet.
    module = types.ModuleType("bench_audit_urls")
    from django.urls import include, path

    from coproduce.site import urls as site_urls

    module.urlpatterns = [  # type: ignore[attr-defined]
        path("projects/<str:project_id>/record/", include("trail.urls")),
        *site_urls.urlpatterns,
    ]
    sys.modules["bench_audit_urls"] = module
    settings.ROOT_URLCONF = "bench_audit_urls"
    settings.AUDIT_EXPORT_STREAM_LIMIT = 10**12  # the view streams every size here


def _create_database(server: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(_database_url(server, "postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def _database_exists(server: str, name: str) -> bool:
    import psycopg2

    connection = psycopg2.connect(_database_url(server, "postgres"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    connection.close()
    return found


def _drop_database(server: str, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(_database_url(server, "postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


# --- Filling the chain ---------------------------------------------------------------


@dataclass
class _Event:
    """What `event_hash` reads: the same attributes as an AuditEvent."""

    project_id: uuid.UUID
    sequence: int
    action: str
    actor_id: int | None
    actor_label: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    request_id: str
    created_at: datetime
    previous_hash: str
    hash: str = ""
    hash_version: int = 2
    personal_digest: str = ""
    label_salt: str | None = None


def _prepare_project() -> tuple[Any, Any]:
    """A project made the real way (its first events too), and its facilitator."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Permission

    from participants.models import User
    from projects import services

    facilitator = User.objects.create_user(
        "bench-facilitator@example.org", "bench", display_name="Warm Lark"
    )
    facilitator.user_permissions.add(Permission.objects.get(codename="add_project"))
    TOTP.activate(facilitator, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    facilitator = User.objects.get(pk=facilitator.pk)
    project = services.project_create(
        actor=facilitator,
        title="A very long record",
        purpose="Measure the audit trail.",
        ground_rules="None.",
    )
    return project, facilitator


def _existing_project() -> tuple[Any, Any]:
    from participants.models import User
    from projects.models import Project

    return (
        Project.objects.get(title="A very long record"),
        User.objects.get(email="bench-facilitator@example.org"),
    )


def _fill(project: Any, count: int, report: Callable[[str], None]) -> None:
    """Append `count` events with correct hashes, through COPY in batches."""
    import random

    from django.db import connection

    from coproduce.audit.models import AuditEvent
    from coproduce.audit.record import event_hash, personal_digest
    from projects.models import Stage

    last = AuditEvent.objects.filter(project_id=project.pk).order_by("-sequence").first()
    stage_ids = [
        str(pk) for pk in Stage.objects.filter(project=project).values_list("pk", flat=True)
    ]
    generator = random.Random(20240611)  # noqa: S311 (made-up data, seeded)
    weighted = [entry for entry in SEED_ACTIONS for _ in range(entry[2])]
    names = [f"Member {number}" for number in range(400)]
    sequence, previous = last.sequence, last.hash
    moment = datetime.now(tz=UTC) - timedelta(days=365)
    step = timedelta(days=364) / max(count, 1)
    columns = (
        "project_id, sequence, action, actor_id, actor_label, object_type, object_id, "
        "details, request_id, created_at, previous_hash, hash, hash_version, personal_digest, "
        "label_salt"
    )
    batch = 100_000
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor, for copy_expert
        for first in range(0, count, batch):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for _ in range(min(batch, count - first)):
                sequence += 1
                moment += step
                action, object_type, _share = generator.choice(weighted)
                actor = generator.randrange(len(names))
                stage = generator.choice(stage_ids)
                details: dict[str, Any]
                if action.startswith("membership"):
                    details = {"role": "member", "person": names[actor]}
                elif action == "stage.updated":
                    details = {"closes_at": ["None", str(moment)], "texts_changed": []}
                elif action == "comment.created":
                    details = {
                        "proposal": str(uuid.UUID(int=generator.getrandbits(128))),
                        "reply": False,
                    }
                else:
                    details = {"stage": stage}
                object_id = stage if object_type == "stage" else str(generator.getrandbits(40))
                event = _Event(
                    project_id=project.pk,
                    sequence=sequence,
                    action=action,
                    actor_id=actor + 1,
                    actor_label=names[actor],
                    object_type=object_type,
                    object_id=object_id,
                    details=details,
                    request_id=uuid.UUID(int=generator.getrandbits(128)).hex,
                    created_at=moment,
                    previous_hash=previous,
                    # Format 2, as `record()` writes: the hash covers the names' digest.
                    label_salt=f"{generator.getrandbits(128):032x}",
                )
                event.personal_digest = personal_digest(
                    event.label_salt, event.actor_label, event.details
                )
                event.hash = event_hash(event)  # type: ignore[arg-type]
                previous = event.hash
                writer.writerow(
                    (
                        event.project_id,
                        event.sequence,
                        event.action,
                        event.actor_id,
                        event.actor_label,
                        event.object_type,
                        event.object_id,
                        json.dumps(event.details),
                        event.request_id,
                        event.created_at.isoformat(),
                        event.previous_hash,
                        event.hash,
                        event.hash_version,
                        event.personal_digest,
                        event.label_salt,
                    )
                )
            buffer.seek(0)
            raw.copy_expert(
                f"COPY coproduce_auditevent ({columns}) FROM STDIN WITH (FORMAT csv)", buffer
            )
            done = min(first + batch, count)
            report(f"  {done:>9,} events written ({time.perf_counter() - started:5.1f} s)")
        cursor.execute("ANALYZE coproduce_auditevent")


# --- Measurements, each in a process of its own -------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> None:
    """Start the kernel's peak-memory mark (VmHWM) again from the current size."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


@dataclass(frozen=True)
class Measure:
    label: str
    seconds: float
    rows: int
    peak_mb: float
    growth_mb: float
    file_mb: float | None


def _run_measure(name: str, project_id: str, facilitator_id: int, out_dir: str, queue: Any) -> None:
    _setup_django()
    import django.db

    from projects.models import Project

    project = Project.objects.get(pk=project_id)
    django.db.connection.ensure_connection()
    _reset_peak()
    base = _status_kb("VmRSS") * 1024
    started = time.perf_counter()
    rows, size = MEASURES[name](project, facilitator_id, Path(out_dir))
    seconds = time.perf_counter() - started
    peak = _status_kb("VmHWM") * 1024
    queue.put(
        Measure(
            LABELS[name],
            seconds,
            rows,
            peak / 2**20,
            max(0, peak - base) / 2**20,
            size / 2**20 if size is not None else None,
        )
    )


def _writer(export_format: str) -> Callable[[Any, int, Path], tuple[int, int | None]]:
    def run(project: Any, facilitator_id: int, out_dir: Path) -> tuple[int, int | None]:
        from trail import exports, selectors

        counted: list[int] = []
        size = exports.write_file(
            out_dir / f"export.{export_format}",
            project,
            selectors.TrailFilters(),
            up_to=None,
            export_format=export_format,
            on_progress=counted.append,
        )
        return counted[-1], size

    return run


def _streaming_view(project: Any, facilitator_id: int, out_dir: Path) -> tuple[int, int | None]:
    from django.test import Client
    from django.urls import reverse

    from participants.models import User
    from tests.conftest import force_login_with_two_factors

    client = Client()
    # Facilitators' pages need two factors in this sign-in, as through the pages.
    force_login_with_two_factors(client, User.objects.get(pk=facilitator_id))
    response = client.post(
        reverse("trail:export", kwargs={"project_id": project.pk}), {"format": "csv"}
    )
    assert response.status_code == 200, response.status_code
    size = 0
    lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return lines - 1, size


def _copy(project: Any, facilitator_id: int, out_dir: Path) -> tuple[int, int | None]:
    from django.db import connection

    path = out_dir / "copy.csv"
    query = (
        "COPY (SELECT project_id, sequence, created_at, action, actor_label, actor_id, "
        "object_type, object_id, details, request_id, previous_hash, hash "
        "FROM coproduce_auditevent WHERE project_id = %s ORDER BY sequence) "
        "TO STDOUT WITH (FORMAT csv, HEADER)"
    )
    with connection.cursor() as cursor, path.open("wb") as file:
        sql = cursor.cursor.mogrify(query, [str(project.pk)]).decode()
        cursor.cursor.copy_expert(sql, file)
    with path.open("rb") as file:
        rows = sum(1 for _line in file) - 1
    return rows, path.stat().st_size


def _verify(project: Any, facilitator_id: int, out_dir: Path) -> tuple[int, int | None]:
    from coproduce.audit.verify import verify_chain

    result = verify_chain(project.pk)
    assert result.intact, result
    return result.events_checked, None


MEASURES: dict[str, Callable[[Any, int, Path], tuple[int, int | None]]] = {
    "copy": _copy,
    "csv": _writer("csv"),
    "jsonl": _writer("jsonl"),
    "view": _streaming_view,
    "verify": _verify,
}
LABELS = {
    "copy": "PostgreSQL COPY to CSV file",
    "csv": "portal export writer, CSV file",
    "jsonl": "portal export writer, JSON Lines file",
    "view": "streaming export view, CSV",
    "verify": "verify_chain",
}


def _measure(name: str, project_id: str, facilitator_id: int, out_dir: Path) -> Measure:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_run_measure, args=(name, project_id, facilitator_id, str(out_dir), queue)
    )
    process.start()
    result = queue.get()
    process.join()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL", DEFAULT_SERVER),
        help="a PostgreSQL URL; the benchmark uses its own database on that server",
    )
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a database kept by an earlier --keep run"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (best)")
    parser.add_argument(
        "--only", nargs="*", choices=sorted(MEASURES), help="run only these measurements"
    )
    arguments = parser.parse_args(argv)

    database = (urlsplit(arguments.server).path.lstrip("/") or "coproduce") + BENCH_SUFFIX
    out_dir = Path(tempfile.mkdtemp(prefix="coproduce-bench-audit-"))
    reuse = arguments.reuse and _database_exists(arguments.server, database)
    if not reuse:
        _create_database(arguments.server, database)
    _configure_environment(_database_url(arguments.server, database), out_dir / "var")
    try:
        _setup_django()
        from django.core.management import call_command
        from django.db import connection

        if reuse:
            project, facilitator = _existing_project()
            print(f"Reusing the events in {database}.")
        else:
            call_command("migrate", verbosity=0)
            project, facilitator = _prepare_project()
            print(f"Writing {arguments.events:,} events into one project ({database}):")
            started = time.perf_counter()
            _fill(project, arguments.events, print)
            print(f"  done in {time.perf_counter() - started:.1f} s")
        connection.close()

        names = arguments.only or ["copy", "csv", "jsonl", "view", "verify"]
        results = []
        for name in names:
            runs = [
                _measure(name, str(project.pk), facilitator.pk, out_dir)
                for _ in range(max(1, arguments.repeat))
            ]
            best = min(runs, key=lambda run: run.seconds)
            results.append(
                Measure(
                    best.label,
                    best.seconds,
                    best.rows,
                    max(run.peak_mb for run in runs),
                    max(run.growth_mb for run in runs),
                    best.file_mb,
                )
            )
        copy_seconds = next((r.seconds for r in results if r.label == LABELS["copy"]), None)
        print()
        header = (
            f"{'measurement':<38} {'rows':>10} {'seconds':>8} {'x COPY':>7} "
            f"{'peak MB':>8} {'growth MB':>9} {'file MB':>8}"
        )
        print(header)
        print("-" * len(header))
        for result in results:
            ratio = f"{result.seconds / copy_seconds:6.2f}x" if copy_seconds else "   -"
            file_mb = f"{result.file_mb:8.1f}" if result.file_mb is not None else "       -"
            print(
                f"{result.label:<38} {result.rows:>10,} {result.seconds:8.2f} {ratio:>7} "
                f"{result.peak_mb:8.1f} {result.growth_mb:9.1f} {file_mb}"
            )
    finally:
        from django.db import connections

        connections.close_all()
        for path in sorted(out_dir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        out_dir.rmdir()
        if not arguments.keep:
            _drop_database(arguments.server, database)


if __name__ == "__main__":
    main()
