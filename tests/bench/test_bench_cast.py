"""`make bench`'s parts work: its seed goes through the real services, and its reference
view does the essential work of a cast. (The bench itself, with its timings, never runs
in the test suite.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from bench import bench_cast
from bench.reference import tables
from coproduce.audit.models import AuditEvent
from decisions import services
from decisions.models import Ballot
from participants.models import User
from projects.models import Membership, Stage

pytestmark = pytest.mark.django_db


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def test_the_seed_opens_a_vote_for_its_members_through_the_services() -> None:
    vote = bench_cast.seed(3, email_prefix="smoke")
    stage = Stage.objects.select_related("project").get(pk=vote.stage_id)
    assert stage.state == Stage.State.VOTING
    assert len(vote.options) == 5
    assert Membership.objects.filter(project_id=vote.project_id, role="member").count() == 3
    assert AuditEvent.objects.filter(action="membership.started").count() >= 3
    member = User.objects.get(email=vote.emails[1])
    services.ballot_cast(actor=member, stage=stage, raw={vote.options[0]: 1})
    assert Ballot.objects.filter(stage=stage).count() == 1


def test_the_reference_view_upserts_one_ballot_and_chains_an_event_per_cast(
    client, outsider: User
) -> None:
    vote = bench_cast.seed(2, email_prefix="smoke")
    tables.create(vote.stage_id)
    client.force_login(User.objects.get(email=vote.emails[0]))
    with override_settings(ROOT_URLCONF="bench.reference.urls"):
        for option in vote.options[:2]:
            response = client.post(f"/cast/{vote.stage_id}/", {"option": option})
            assert response.status_code == 302
        assert _count("SELECT count(*) FROM bench_reference_ballot") == 1
        assert _count("SELECT count(*) FROM bench_reference_event") == 2
        assert _count("SELECT sequence FROM bench_reference_chain") == 2
        client.force_login(outsider)
        refused = client.post(f"/cast/{vote.stage_id}/", {"option": vote.options[0]})
        assert refused.status_code == 403
    assert _count("SELECT count(*) FROM bench_reference_event") == 2


def test_the_report_bench_seeds_a_closed_vote_and_a_sealed_pulse() -> None:
    from bench import bench_report
    from evidence.models import PulseAnswer
    from evidence.report import report_context

    project, _observer = bench_report.seed(5, 12)
    stages = {stage.position: stage.state for stage in project.stages.all()}
    assert (stages[1], stages[2]) == ("closed", "closed")
    assert PulseAnswer.objects.filter(sealed=True).count() == 5
    context = report_context(project)
    assert len(context["decisions"]) == 1
