"""Time making the co-production report (page and PDF) for a large project.

Run: .venv/bin/python -m bench.bench_report [--members 200] [--proposals 1000] [--keep]

It makes a throwaway database `<name>_bench_report` on the configured server
(DATABASE_URL, or the embedded PostgreSQL in `var/`), migrates it, and seeds one project
through the real services: a facilitator, an observer, `--members` members over five
groups, `--proposals` proposals in the first stage (some merged), the stage closed, its
pulse answered by every member and sealed, the merged proposals carried into a voted
second stage that every member votes in and that is closed. Then it times gathering the
report's figures, rendering its page and PDF, and `report_make` (all of it, stored and
in the trail), and counts the queries. The goal: under 10 s for 1,000 proposals and 200
members. It drops the database afterwards (unless `--keep`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_cast import ROOT, _admin, _database_url, _environment, _server_url

BENCH_SUFFIX = "_bench_report"
GROUPS = ("lived_experience", "carer", "clinician", "other_professional", "other")


def seed(members: int, proposals: int) -> tuple[object, object]:
    """The project and its observer, with the history described above."""
    from django.contrib.auth.models import Permission

    from decisions import services as decision_services
    from evidence import services
    from evidence.models import Pulse
    from participants.models import User
    from projects import services as project_services
    from projects.models import Stage

    facilitator = User.objects.create_user(
        email="bench-facilitator@example.org", password=None, display_name="Bench Lark"
    )
    facilitator.user_permissions.add(Permission.objects.get(codename="add_project"))
    facilitator = User.objects.get(pk=facilitator.pk)
    observer = User.objects.create_user(
        email="bench-observer@example.org", password=None, display_name="Bench Birch"
    )
    project = project_services.project_create(
        actor=facilitator,
        title="Bench: a large project",
        purpose="Measure the report.",
        ground_rules="We share power.",
    )

    def join(person: User, role: str, group: str = "") -> None:
        _invitation, token = project_services.invitation_create(
            actor=facilitator, project=project, email=person.email, role=role
        )
        project_services.invitation_accept(
            actor=person, token=token, constituency=group, accepts_ground_rules=True
        )

    join(observer, "observer")
    people = []
    for number in range(members):
        person = User.objects.create_user(
            email=f"bench-report-{number}@example.org",
            password=None,
            display_name=f"Bench member {number}",
        )
        join(person, "member", GROUPS[number % len(GROUPS)])
        people.append(person)
    first = project_services.stage_transition(
        actor=facilitator, stage=project.stages.get(position=1), to_state="open"
    )
    made = [
        decision_services.proposal_create(
            actor=people[number % members], stage=first, title=f"Idea {number}", body="Why."
        )
        for number in range(proposals)
    ]
    merged = [
        decision_services.proposal_merge(
            actor=facilitator,
            stage=first,
            proposals=made[start : start + 3],
            title=f"Combined {start}",
            body="Combined.",
            note="Same.",
        )
        for start in range(0, min(proposals, 30), 3)
    ]
    first = project_services.stage_transition(actor=facilitator, stage=first, to_state="closed")
    pulse = services.pulse_open(actor=None, stage_id=first.pk)
    pulse = Pulse.objects.select_related("stage__project").get(pk=pulse.pk)
    for number, person in enumerate(people):
        services.pulse_answer(
            actor=person, pulse=pulse, scores=[1 + number % 5, 4, 3, 5], rung="co_design"
        )
    services.pulse_close(actor=None, pulse=pulse)
    second = project.stages.get(position=2)
    decision_services.voting_rules_update(
        actor=facilitator, stage=second, voting_method="dots", dots_per_member=3
    )
    carried = decision_services.proposals_carry_forward(
        actor=facilitator, from_stage=first, to_stage=second, proposals=merged
    )
    second = project_services.stage_transition(actor=facilitator, stage=second, to_state="open")
    second = project_services.stage_transition(actor=facilitator, stage=second, to_state="voting")
    for number, person in enumerate(people):
        decision_services.ballot_cast(
            actor=person,
            stage=Stage.objects.get(pk=second.pk),
            raw={str(carried[number % len(carried)].pk): 3},
        )
    decision_services.voting_close(actor=facilitator, stage=second)
    return project, observer


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    arguments = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="coproduce-bench-report-"))
    server = _server_url(ROOT / "var")
    database = (urlsplit(server).path.lstrip("/") or "coproduce") + BENCH_SUFFIX
    _admin(server, [f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"'])
    os.environ.update(_environment(_database_url(server, database), work / "var"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "coproduce.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from evidence import selectors, services
        from evidence.report import render_report, report_context

        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"Seeding {arguments.members} members, {arguments.proposals} proposals ...")
        with transaction.atomic():
            project, observer = seed(arguments.members, arguments.proposals)
        print(f"  done in {time.perf_counter() - began:.0f} s")

        def timed(what: str, run: object) -> None:
            times = []
            for _ in range(arguments.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    run()  # type: ignore[operator]
                    times.append(time.perf_counter() - start)
            print(
                f"  {what:<44} median {statistics.median(times):6.2f} s, "
                f"max {max(times):6.2f} s, {len(queries.captured_queries)} queries"
            )

        print("Timings:")
        timed(
            "gather the figures (selectors.power_balance)", lambda: selectors.power_balance(project)
        )
        timed("everything the report shows (report_context)", lambda: report_context(project))
        timed(
            "page and PDF (render_report)",
            lambda: render_report(project, made_at=timezone.now(), trail_head="0:0"),
        )
        timed(
            "report_make (stored, in the trail)",
            lambda: services.report_make(actor=observer, project=project),
        )
        connection.close()
    finally:
        if not arguments.keep:
            _admin(server, [f'DROP DATABASE IF EXISTS "{database}"'])
        else:
            print(f"Kept the database {database}.")


if __name__ == "__main__":
    main()
