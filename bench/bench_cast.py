"""Casting votes over HTTP: the portal beside a bare Django view doing the same essential work.

Run (`make bench`; a few minutes; needs nothing but the venv and a PostgreSQL server):

    .venv/bin/python -m bench.bench_cast
    .venv/bin/python -m bench.bench_cast --seconds 10 --rounds 1 --clients 8 50

What it does, in order:
1. makes a throwaway database `<name>_bench_cast` on the configured server (DATABASE_URL,
   else the embedded PostgreSQL in var/) and migrates it;
2. seeds one project through the real services: a facilitator, `--members` (200) members
   invited and joined, a dots vote over five proposals, voting open;
3. serves the portal (gunicorn, `--workers` sync workers, DEBUG off) and the reference
   view in `bench/reference/` (same database, same workers) on two local ports;
4. signs every member in through the portal's real sign-in page (the session works on
   both servers: same key, same session table);
5. for each client count, runs interleaved rounds (portal, reference, reference, portal,
   ...) of `--seconds` each: every client casts and re-casts for its own members as fast as
   answers come back (closed loop), one new connection per request (gunicorn's sync
   workers close each one);
6. checks in SQL: no member with two ballots or two participations, one `ballot.cast`
   event per accepted cast, the audit chain intact; the same for the reference's tables;
7. times, in process and unloaded, how long one cast holds the stage's share lock and the
   audit chain's lock (statement start, or lock granted, to COMMIT);
8. prints one table, stops both servers and drops the database (unless `--keep`).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

BENCH_SUFFIX = "_bench_cast"
PASSWORD = "bench only: a long throwaway passphrase"  # noqa: S105
ROOT = Path(__file__).resolve().parent.parent


# --- The database and the environment ------------------------------------------------


def _database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _server_url(var_dir: Path) -> str:
    """DATABASE_URL if set, else the embedded PostgreSQL (started if needed)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from coproduce.embedded_db import embedded_database_settings

    embedded = embedded_database_settings(var_dir / "pgdata")
    host = str(embedded["HOST"]).replace("/", "%2F")
    port = f":{embedded['PORT']}" if embedded["PORT"] else ""
    return f"postgres://{embedded['USER']}@{host}{port}/{embedded['NAME']}"


def _admin(server: str, statements: Sequence[str]) -> None:
    import psycopg2

    connection = psycopg2.connect(_database_url(server, "postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def _environment(database_url: str, var_dir: Path) -> dict[str, str]:
    """Production-like settings: DEBUG off, persistent connections, fast throwaway hashes."""
    environment = dict(os.environ)
    environment.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
            "BALLOT_SECRET_KEY": "bench-only-ballot-key-not-for-production-0123456789abc",
            "SITE_URL": "http://bench.test",
            "TEST_RUN": "true",
            "ALLOW_HTTP": "true",
            "HTTPS": "false",
            "EMAIL_URL": "memorymail://",
            "COPRODUCE_VAR_DIR": str(var_dir),
            "ALLOWED_HOSTS": "*",
            "STATIC_MANIFEST": "false",
            "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )
    environment.pop("COPRODUCE_EMBEDDED_DATABASE", None)
    return environment


# --- Seeding through the real services -----------------------------------------------


@dataclass(frozen=True)
class SeededVote:
    project_id: str
    stage_id: str
    options: list[str]
    emails: list[str]


def seed(members: int, *, email_prefix: str = "bench-member") -> SeededVote:
    """One project, `members` members invited and joined, a dots vote open on 5 options."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Permission

    from decisions import services as vote_services
    from participants.models import User
    from projects import services

    def person(email: str, name: str) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, display_name=name)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    facilitator = person(f"{email_prefix}-facilitator@example.org", "Bench Facilitator")
    facilitator.user_permissions.add(Permission.objects.get(codename="add_project"))
    facilitator = User.objects.get(pk=facilitator.pk)
    project = services.project_create(
        actor=facilitator,
        title="Benchmark: casting votes",
        purpose="Measure how fast members can vote.",
        ground_rules="Every member has one equal vote.",
    )
    groups = ("lived_experience", "carer", "clinician", "other_professional", "other")
    emails = []
    for number in range(members):
        email = f"{email_prefix}-{number}@example.org"
        member = person(email, f"Bench Member {number}")
        _invitation, token = services.invitation_create(
            actor=facilitator, project=project, email=email, role="member"
        )
        services.invitation_accept(
            actor=member,
            token=token,
            constituency=groups[number % len(groups)],
            accepts_ground_rules=True,
        )
        emails.append(email)
    stage = project.stages.get(position=2)
    vote_services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    author = User.objects.get(email=emails[0])
    for title in ("Night line", "Quiet room", "Call-back", "Peer worker", "Text service"):
        vote_services.proposal_create(actor=author, stage=stage, title=title, body="Why.")
    stage = services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    options = [str(option.pk) for option in vote_services.stage_options(stage)]
    return SeededVote(str(project.pk), str(stage.pk), options, emails)


# --- HTTP --------------------------------------------------------------------------------


@dataclass
class Session:
    email: str
    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def keep(self, response: http.client.HTTPResponse) -> None:
        for line in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value


def _request(
    port: int, method: str, path: str, session: Session, body: dict[str, str] | None = None
) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Cookie": session.header(), "Host": "127.0.0.1"}
        payload = None
        if body is not None:
            payload = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        session.keep(response)
        return response.status, response.headers.get("Location", ""), text
    finally:
        connection.close()


def sign_in(port: int, email: str) -> Session:
    """Through the portal's real sign-in page: its form, its CSRF token, its session."""
    import re

    session = Session(email)
    status, _location, page = _request(port, "GET", "/accounts/login/", session)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise RuntimeError(f"The sign-in page answered {status}.")
    status, location, _page = _request(
        port,
        "POST",
        "/accounts/login/",
        session,
        {"csrfmiddlewaretoken": token.group(1), "login": email, "password": PASSWORD},
    )
    if status != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"Signing {email} in answered {status} {location}.")
    return session


def _wait_for(port: int, path: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server on port {port} stopped (exit {process.returncode}).")
        try:
            status, _location, _text = _request(port, "GET", path, Session(""))
            if status in (200, 503):
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"The server on port {port} did not answer within {seconds} s.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(
    wsgi: str, settings_module: str, workers: int, environment: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [
            str(gunicorn),
            wsgi,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": settings_module},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- The load ----------------------------------------------------------------------------


@dataclass
class Round:
    target: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


Cast = Callable[[Session, int], tuple[str, dict[str, str], Callable[[int, str], bool]]]


def drive(port: int, sessions: list[Session], clients: int, seconds: float, cast: Cast) -> Round:
    """Closed loop: each client sends a cast, waits for the answer, sends the next."""
    result = Round("", clients, seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        own = sessions[index::clients]
        latencies: list[float] = []
        errors = 0
        start.wait()
        turn = 0
        while time.perf_counter() < stop_at[0]:
            session = own[turn % len(own)]
            path, body, accepted = cast(session, turn + index)
            began = time.perf_counter()
            try:
                status, location, _text = _request(port, "POST", path, session, body)
                ok = accepted(status, location)
            except OSError:
                ok = False
            latencies.append(time.perf_counter() - began)
            errors += not ok
            turn += 1
        with lock:
            result.latencies.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return result


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


# --- Measuring the locks, in process -----------------------------------------------------


def lock_hold_times(vote: SeededVote, casts: int) -> tuple[list[float], list[float]]:
    """How long one cast holds the stage's share lock (from its statement's start) and the
    audit chain's lock (from when it is granted), to the end of COMMIT. Unloaded."""
    from django.db import connection, transaction

    from decisions import services
    from participants.models import User
    from projects.models import Stage

    stage_held: list[float] = []
    chain_held: list[float] = []
    marks: dict[str, float] = {}

    def committed() -> None:
        end = time.perf_counter()
        stage_held.append(end - marks["stage"])
        chain_held.append(end - marks["chain"])

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "coproduce_ballot_cast_" in sql or "WITH voter AS" in sql:
            marks["stage"] = time.perf_counter()
        result = execute(sql, params, many, context)
        if "pg_advisory_xact_lock" in sql or "coproduce_chain_lock_and_head" in sql:
            marks["chain"] = time.perf_counter()
        if "coproduce_audit_counted_insert_" in sql or 'INSERT INTO "coproduce_auditevent"' in sql:
            transaction.on_commit(committed)  # the first to run after this COMMIT
        return result

    voters = list(User.objects.filter(email__in=vote.emails[:casts]))
    with connection.execute_wrapper(watch):
        for number in range(casts):
            voter = User.objects.get(pk=voters[number % len(voters)].pk)
            stage = Stage.objects.select_related("project", "voting_rules").get(pk=vote.stage_id)
            services.ballot_cast(
                actor=voter, stage=stage, raw={vote.options[number % len(vote.options)]: 1}
            )
    return stage_held, chain_held


# --- Checks in SQL -----------------------------------------------------------------------


def _one(sql: str, params: Sequence[Any] = ()) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def checks(vote: SeededVote, portal_accepted: int, reference_accepted: int) -> list[str]:
    """What must hold after the load, in words; each line ends with ok or a problem."""
    from coproduce.audit.verify import verify_chain
    from decisions.models import Ballot, Participation

    lines = []

    def line(text: str, good: bool) -> None:
        lines.append(f"{text}: {'ok' if good else 'PROBLEM'}")

    doubled_ballots = _one(
        "SELECT count(*) FROM (SELECT 1 FROM decisions_ballot WHERE stage_id = %s "
        "GROUP BY voter_key HAVING count(*) > 1) AS doubled",
        [vote.stage_id],
    )
    doubled_participations = _one(
        "SELECT count(*) FROM (SELECT 1 FROM decisions_participation WHERE stage_id = %s "
        "GROUP BY user_id HAVING count(*) > 1) AS doubled",
        [vote.stage_id],
    )
    ballots = Ballot.objects.filter(stage_id=vote.stage_id).count()
    participations = Participation.objects.filter(stage_id=vote.stage_id).count()
    events = _one(
        "SELECT count(*) FROM coproduce_auditevent"
        " WHERE project_id = %s AND action = 'ballot.cast'",
        [vote.project_id],
    )
    line(f"portal: members with two ballots {doubled_ballots}", doubled_ballots == 0)
    line(f"portal: members counted twice {doubled_participations}", doubled_participations == 0)
    line(f"portal: {ballots} ballots, {participations} participations", ballots == participations)
    line(
        f"portal: {events} ballot.cast events for {portal_accepted} accepted casts",
        events == portal_accepted,
    )
    line("portal: the audit chain verifies", verify_chain(vote.project_id).intact)
    reference_doubled = _one(
        "SELECT count(*) FROM (SELECT 1 FROM bench_reference_ballot GROUP BY stage_id, voter_id "
        "HAVING count(*) > 1) AS doubled"
    )
    reference_events = _one("SELECT count(*) FROM bench_reference_event")
    reference_head = _one("SELECT sequence FROM bench_reference_chain")
    line(f"reference: members with two ballots {reference_doubled}", reference_doubled == 0)
    line(
        f"reference: {reference_events} events for {reference_accepted} accepted casts",
        reference_events == reference_accepted == reference_head,
    )
    return lines


# --- The run -------------------------------------------------------------------------------


def _table(rounds: list[Round]) -> list[str]:
    rows = [
        "| clients | target | casts | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rates: dict[tuple[int, str], float] = {}
    for clients in sorted({r.clients for r in rounds}):
        for target in ("portal", "reference"):
            mine = [r for r in rounds if r.clients == clients and r.target == target]
            latencies = [value for r in mine for value in r.latencies]
            seconds = sum(r.seconds for r in mine)
            rate = len(latencies) / seconds if seconds else 0.0
            rates[clients, target] = rate
            rows.append(
                f"| {clients} | {target} | {len(latencies)} | {rate:.0f} | "
                f"{_percentile(latencies, 0.50) * 1000:.0f} | "
                f"{_percentile(latencies, 0.95) * 1000:.0f} | "
                f"{_percentile(latencies, 0.99) * 1000:.0f} | {sum(r.errors for r in mine)} |"
            )
    for clients in sorted({r.clients for r in rounds}):
        reference = rates[clients, "reference"]
        ratio = rates[clients, "portal"] / reference if reference else 0.0
        rows.append(f"| {clients} | **portal ÷ reference** | | **{ratio:.2f}** | | | | |")
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 50])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per target and count")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers each")
    parser.add_argument("--lock-casts", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    arguments = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="coproduce-bench-cast-"))
    server = _server_url(ROOT / "var")
    database = (urlsplit(server).path.lstrip("/") or "coproduce") + BENCH_SUFFIX
    database_url = _database_url(server, database)
    _admin(server, [f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"'])
    environment = _environment(database_url, work / "var")
    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.portal_settings"
    servers: list[subprocess.Popen[bytes]] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from bench.reference import tables

        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"Seeding {arguments.members} members through the services ({database}) ...")
        vote = seed(arguments.members)
        tables.create(vote.stage_id)
        connection.close()
        print(f"  done in {time.perf_counter() - began:.0f} s")

        portal, portal_port = _serve(
            "coproduce.wsgi:application",
            "bench.portal_settings",
            arguments.workers,
            environment,
            work / "portal.log",
        )
        servers.append(portal)
        reference, reference_port = _serve(
            "bench.reference.wsgi:application",
            "bench.reference.settings",
            arguments.workers,
            environment,
            work / "reference.log",
        )
        servers.append(reference)
        _wait_for(portal_port, "/healthz", portal)
        _wait_for(reference_port, "/ping", reference)

        print(f"Signing {len(vote.emails)} members in through the sign-in page ...")
        sessions = [sign_in(portal_port, email) for email in vote.emails]

        ballot_path = f"/projects/{vote.project_id}/stages/{vote.stage_id}/vote/"
        recorded = ballot_path + "recorded/"

        def portal_cast(session: Session, turn: int) -> tuple[str, dict[str, str], Any]:
            option = vote.options[turn % len(vote.options)]
            body = {"csrfmiddlewaretoken": session.cookies["csrftoken"], f"option-{option}": "1"}
            return ballot_path, body, lambda s, where: s == 302 and where.endswith(recorded)

        def reference_cast(session: Session, turn: int) -> tuple[str, dict[str, str], Any]:
            option = vote.options[turn % len(vote.options)]
            body = {"csrfmiddlewaretoken": session.cookies["csrftoken"], "option": option}
            return f"/cast/{vote.stage_id}/", body, lambda s, _where: s == 302

        targets = {
            "portal": (portal_port, portal_cast),
            "reference": (reference_port, reference_cast),
        }
        rounds: list[Round] = []
        for clients in arguments.clients:
            order = ["portal", "reference"]
            for number in range(arguments.rounds):
                for target in order if number % 2 == 0 else order[::-1]:
                    port, cast = targets[target]
                    done = drive(port, sessions, clients, arguments.seconds, cast)
                    done.target = target
                    rounds.append(done)
                    rate = len(done.latencies) / done.seconds
                    print(
                        f"  {clients:>3} clients, {target:<9} round {number + 1}: "
                        f"{rate:6.0f} casts/s, {done.errors} errors"
                    )
        for process in servers:
            _stop(process)

        accepted = {
            target: sum(len(r.latencies) - r.errors for r in rounds if r.target == target)
            for target in targets
        }
        lines = checks(vote, accepted["portal"], accepted["reference"])
        stage_held, chain_held = lock_hold_times(vote, arguments.lock_casts)

        print()
        print(
            f"Casting a vote: {arguments.workers} gunicorn sync workers each, DEBUG off, "
            f"{arguments.rounds} interleaved rounds of {arguments.seconds:.0f} s per target "
            f"and client count, {len(vote.emails)} members, {os.cpu_count()} CPUs"
        )
        print()
        print("\n".join(_table(rounds)))
        print()
        for held, name in ((stage_held, "stage share lock"), (chain_held, "audit chain lock")):
            print(
                f"{name} held per cast (in process, unloaded, {len(held)} casts): "
                f"median {statistics.median(held) * 1000:.2f} ms, "
                f"p95 {_percentile(held, 0.95) * 1000:.2f} ms"
            )
        print("\n".join(lines))
        connection.close()
    finally:
        for process in servers:
            _stop(process)
        if not arguments.keep:
            from django.db import connections

            connections.close_all()
            _admin(server, [f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
