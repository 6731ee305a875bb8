"""Where one cast's time goes, in process: the real POST /vote through Django's test
client (session, CSRF and every middleware, DEBUG off), timed and profiled.

    .venv/bin/python -m bench.profile_cast                 # 300 casts, top 25 by own time
    .venv/bin/python -m bench.profile_cast --casts 1000 --sort cumulative --top 40

It makes a throwaway database `<name>_bench_profile` on the configured server
(DATABASE_URL), seeds a dots vote through the real services (bench_cast.seed, 20
members), signs the members in, and casts in turn for each member, alternating options.
It prints the mean wall and CPU time of a cast without the profiler, the statements of
one cast, the Python function calls a cast makes (the same however loaded the machine),
cProfile's table of the profiled run, and how long a cast holds the stage's share lock
and the audit chain's lock (bench_cast.lock_hold_times). Drops the database afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_audit import (
    DEFAULT_SERVER,
    _configure_environment,
    _create_database,
    _database_url,
    _drop_database,
)

BENCH_SUFFIX = "_bench_profile"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--casts", type=int, default=300)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--dump", help="also write the raw profile to this file (pstats)")
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL", DEFAULT_SERVER),
        help="a PostgreSQL URL; the profile uses its own database on that server",
    )
    arguments = parser.parse_args(argv)

    database = (urlsplit(arguments.server).path.lstrip("/") or "coproduce") + BENCH_SUFFIX
    _create_database(arguments.server, database)
    _configure_environment(
        _database_url(arguments.server, database),
        Path(tempfile.mkdtemp(prefix="coproduce-profile-")) / "var",
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.portal_settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from bench.bench_cast import lock_hold_times, seed
        from participants.models import User

        call_command("migrate", verbosity=0)
        vote = seed(arguments.members, email_prefix="profile")
        url = reverse(
            "decisions:ballot", kwargs={"project_id": vote.project_id, "stage_id": vote.stage_id}
        )
        clients = []
        for email in vote.emails:
            client = Client(enforce_csrf_checks=True)
            client.force_login(User.objects.get(email=email))
            client.get(url)  # the ballot page sets the CSRF cookie, as in a browser
            clients.append((client, client.cookies["csrftoken"].value))

        def cast(number: int) -> None:
            client, token = clients[number % len(clients)]
            option = vote.options[(number // len(clients)) % len(vote.options)]
            response = client.post(
                url,
                {f"option-{option}": "1", "csrfmiddlewaretoken": token},
                HTTP_X_FORWARDED_PROTO="https",
            )
            assert response.status_code == 302, response.status_code

        for number in range(len(clients)):
            cast(number)  # every member has a ballot: from here on, re-casts
        statements: list[str] = []

        def keep(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            cast(0)
        wall = cpu = 0.0
        for number in range(arguments.casts):
            started, started_cpu = time.perf_counter(), time.process_time()
            cast(number)
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
        profile = cProfile.Profile()
        profile.enable()
        for number in range(arguments.casts):
            cast(number)
        profile.disable()
        if arguments.dump:
            profile.dump_stats(arguments.dump)

        print(f"{arguments.casts} re-casts, {arguments.members} members, DEBUG off, in process:")
        print(
            f"  wall {wall / arguments.casts * 1000:.2f} ms a cast, CPU (this process) "
            f"{cpu / arguments.casts * 1000:.2f} ms a cast"
        )
        print(f"  {len(statements)} statements in one cast:")
        for sql in statements:
            print("   ", " ".join(sql.split())[:160])
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        # Python function calls: the same for every run, however loaded the machine.
        print(f"  {stats.total_calls / arguments.casts:,.0f} Python function calls a cast")
        stats.strip_dirs().sort_stats(arguments.sort).print_stats(arguments.top)
        print(out.getvalue())
        stage_held, chain_held = lock_hold_times(vote, arguments.casts)
        for held, name in ((stage_held, "stage share lock"), (chain_held, "audit chain lock")):
            middle = statistics.median(held) * 1000
            print(f"{name} held: median {middle:.2f} ms ({len(held)} casts)")
        print(f"(load average {os.getloadavg()[0]:.2f})")
        connection.close()
    finally:
        _drop_database(arguments.server, database)


if __name__ == "__main__":
    main()
