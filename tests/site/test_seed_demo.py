"""`manage.py seed_demo` makes the demo accounts, again and again, and only in development."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from coproduce.site.management.commands.seed_demo import (
    DEMO_PASSWORD,
    DEMO_PEOPLE,
    DEMO_PROJECT_TITLE,
    DEMO_VOTE_PROJECT_TITLE,
)
from decisions.models import Ballot, DecisionRecord
from decisions.services import stages_advance
from delivery.models import Action, Recommendation, Response
from evidence.demo import EXTRA_MEMBERS
from participants.models import User
from participants.notifications.models import Kind, Notification
from projects.models import Membership, Project, Stage
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_creates_one_account_per_role_and_is_idempotent(client) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    demo_emails = [person.email for person in DEMO_PEOPLE]
    assert User.objects.filter(email__in=demo_emails).count() == len(DEMO_PEOPLE) == 7
    # The evidence demo's extra members never sign in: only the demo accounts do.
    assert User.objects.count() == 7 + len(EXTRA_MEMBERS)
    assert EmailAddress.objects.filter(verified=True).count() == 7
    project = Project.objects.get(title=DEMO_PROJECT_TITLE)
    roles = sorted(Membership.objects.filter(project=project).values_list("user__email", "role"))
    assert roles == [
        ("carer@example.org", "member"),
        ("clinician@example.org", "member"),
        ("facilitator@example.org", "facilitator"),
        ("lived-experience@example.org", "member"),
        ("manager@example.org", "observer"),
        ("sponsor@example.org", "sponsor"),
    ]
    assert project.stages.count() == 5
    first_stage = project.stages.get(position=1)
    assert first_stage.proposals.count() == 4
    # Delivery: the problems were carried into a priority vote that closed, and its four
    # recommendations have a response of each kind and actions (one overdue).
    assert first_stage.state == "closed"
    priorities = project.stages.get(position=2)
    assert priorities.state == "closed"
    assert DecisionRecord.objects.filter(stage=priorities)
    recommendations = Recommendation.objects.filter(project=project)
    assert recommendations.count() == 4
    assert sorted(Response.objects.values_list("answer", flat=True)) == [
        "accepted", "accepted_in_part", "declined", "not_now",
    ]  # fmt: skip
    owners = set(Action.objects.values_list("owner__email", flat=True))
    assert {"lived-experience@example.org", "clinician@example.org"} <= owners
    assert Action.objects.filter(due_on__lt=timezone.localdate(), status="planned").count() == 1
    response = client.post(
        "/accounts/login/", {"login": "facilitator@example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_seed_demo_refuses_when_debug_is_off() -> None:
    with pytest.raises(CommandError, match="only runs with DEBUG=true"):
        call_command("seed_demo")
    assert not User.objects.exists()


def _demo_vote() -> Stage:
    return Stage.objects.get(project__title=DEMO_VOTE_PROJECT_TITLE, state="voting")


@override_settings(DEBUG=True, DEMO_VOTE_MINUTES=5)
def test_seed_demo_opens_a_vote_that_closes_by_itself_a_few_minutes_later() -> None:
    started = timezone.now()
    call_command("seed_demo")
    stage = _demo_vote()
    assert timedelta(minutes=5) <= stage.closes_at - started <= timedelta(minutes=6)
    assert stage.proposals.count() == 3
    assert Ballot.objects.filter(stage=stage).count() == 2  # the lived-experience member has not
    everyone = set(Membership.objects.filter(project=stage.project).values_list("user", flat=True))
    assert len(everyone) == 5

    call_command("seed_demo")  # started again before it closes: the same round
    assert Stage.objects.filter(project=stage.project).count() == 1

    stages_advance(now=stage.closes_at - timedelta(seconds=1))
    assert Stage.objects.get(pk=stage.pk).state == "voting"
    stages_advance(now=stage.closes_at)
    assert Stage.objects.get(pk=stage.pk).state == "closed"
    assert DecisionRecord.objects.filter(stage=stage).count() == 1
    told = Notification.objects.filter(kind=Kind.RESULTS_PUBLISHED, link__contains=str(stage.pk))
    assert set(told.values_list("recipient", flat=True)) == everyone

    call_command("seed_demo")  # started again later: a new round
    assert _demo_vote().title.startswith("Round 2:")


def _database_environment(var_dir: Path) -> dict[str, str]:
    """The environment of `make run`, on the test database and a private var/ directory."""
    database = settings.DATABASES["default"]
    # No broker settings of the tests' own: the tests' worker must not take this one's tasks.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_URL", "DATABASE_URL"} and not key.startswith("CELERY_")
    }
    return env | {
        "DEBUG": "true",
        "COPRODUCE_VAR_DIR": str(var_dir),
        # libpq takes the host and port from PGHOST/PGPORT, which also suits a socket directory.
        "DATABASE_URL": f"postgres://{database['USER']}@/{database['NAME']}",
        "PGHOST": str(database["HOST"] or ""),
        "PGPORT": str(database["PORT"] or "5432"),
        "PGPASSWORD": str(database.get("PASSWORD") or ""),
    }


@pytest.mark.django_db(transaction=True)
def test_in_make_run_the_demo_vote_closes_under_celery_beat_and_the_emails_land_in_var_mail(
    tmp_path: Path,
) -> None:
    """What `make run` starts: seed_demo, then a Celery worker with beat; nobody presses a thing."""
    env = _database_environment(tmp_path)
    root = Path(settings.BASE_DIR)
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], env=env, cwd=root, check=True, timeout=120
    )
    stage = _demo_vote()
    # Rather than wait the demo's minutes, its closing time has just passed: beat closes
    # the vote as it starts (not at a check 30 seconds later, had it started too soon).
    Stage.objects.filter(pk=stage.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "coproduce", "worker", "--beat", "--pool=solo"],
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: DecisionRecord.objects.filter(stage=stage).exists(), timeout=90)
        mail_dir = tmp_path / "mail"
        wait_for(
            lambda: any(
                "The results of a vote are ready" in path.read_text()
                for path in mail_dir.glob("*.log")
            ),
            timeout=30,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    assert Stage.objects.get(pk=stage.pk).state == "closed"
    closed = AuditEvent.objects.get(action="stage.closed", object_id=str(stage.pk))
    assert closed.actor_id is None
    assert closed.actor_label == "the system"
    mail = "\n".join(path.read_text() for path in (tmp_path / "mail").glob("*.log"))
    assert "Voting has opened" in mail


@override_settings(DEBUG=True)
def test_demo_code_prints_the_code_an_authenticator_app_shows_now(capsys) -> None:
    from allauth.mfa.totp.internal.auth import validate_totp_code

    from coproduce.site.management.commands.seed_demo import DEMO_TOTP_SECRET

    call_command("demo_code")
    printed = capsys.readouterr().out
    code = printed.split(": ")[1].split()[0]
    assert code.isdecimal()
    assert len(code) == 6
    assert validate_totp_code(DEMO_TOTP_SECRET, code)


@override_settings(DEBUG=True)
def test_seed_demo_gives_the_evidence_pages_something_real(client) -> None:
    from django.urls import reverse

    from evidence.demo import HISTORY_PROJECT_TITLE
    from evidence.models import PulseAnswer, ReflectionAnswer, Report

    call_command("seed_demo")
    call_command("seed_demo")
    history = Project.objects.get(title=HISTORY_PROJECT_TITLE)
    assert list(history.stages.filter(state="closed").values_list("position", flat=True)) == [1, 2]
    assert PulseAnswer.objects.filter(pulse__stage__project=history, sealed=True).count() == 18
    assert ReflectionAnswer.objects.filter(stage__project=history, author__isnull=True).exists()
    assert ReflectionAnswer.objects.filter(stage__project__title=DEMO_PROJECT_TITLE).count() == 2
    assert Report.objects.filter(project=history).count() == 1
    client.force_login(User.objects.get(email="lived-experience@example.org"))
    page = client.get(reverse("evidence:power_balance", args=[history.pk])).content.decode()
    assert "People with lived experience made" in page
    assert "out of 5 on average" in page
