"""Erasing an account removes the person's name from the trail's stored rows (events of
format 2), in the erasure's transaction, and every chain still verifies. Events made
before format 2 keep the name: their hash covers it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import GENESIS_HASH, event_hash
from coproduce.audit.verify import verify_chain
from coproduce.site.data_rights import account_erase
from decisions import services as decision_services
from participants.models import User
from projects import services as project_services
from projects.models import Membership, Project

pytestmark = pytest.mark.django_db

OLD_NAME = "Steady Rowan"  # the carer's display name (tests/conftest.py)


def _rows_naming(text: str) -> list[tuple[int, str]]:
    """Every stored event whose columns hold `text`, read as someone reading the
    database would (raw SQL, every column as text)."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sequence, action FROM {table} AS event "  # noqa: S608 (table name only)
            "WHERE strpos(row_to_json(event)::text, %s) > 0",
            [text],
        )
        return cursor.fetchall()


def _a_voting_stage_with_a_vote(project: Project, facilitator: User, voter: User) -> None:
    stage = project.stages.get(position=2)
    decision_services.voting_rules_update(actor=facilitator, stage=stage, voting_method="dots")
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")
    decision_services.proposal_create(
        actor=voter, stage=stage, title="Quiet room", body="Somewhere calm to wait."
    )
    stage = project_services.stage_transition(actor=facilitator, stage=stage, to_state="voting")
    option = decision_services.stage_options(stage)[0]
    decision_services.ballot_cast(actor=voter, stage=stage, raw={str(option.pk): 1})


def test_after_erasure_no_stored_event_holds_the_old_name_and_the_chains_verify(
    client, project: Project, facilitator: User, carer_member: User, manager: User
) -> None:
    membership = Membership.objects.get(project=project, user=carer_member)
    project_services.membership_paid_staff_set(
        actor=facilitator, membership=membership, paid_staff=True
    )
    _a_voting_stage_with_a_vote(project, facilitator, carer_member)
    # Before: the name is stored as who did it, and as who joined or was marked.
    named = {action for _sequence, action in _rows_naming(OLD_NAME)}
    assert {"membership.started", "membership.paid_staff_set", "ballot.cast"} <= named
    assert "proposal.created" in named

    erased = account_erase(actor=carer_member, user=carer_member)

    assert _rows_naming(OLD_NAME) == []
    assert verify_chain(project.pk).intact
    assert verify_chain(None).intact
    label = erased.display_name
    marked = AuditEvent.objects.get(project_id=project.pk, action="membership.paid_staff_set")
    assert (marked.details["person"], marked.label_salt) == (label, None)
    assert marked.actor_label == "Warm Lark"  # the facilitator who marked them, unchanged
    voted = AuditEvent.objects.get(project_id=project.pk, action="ballot.cast")
    assert (voted.actor_label, voted.label_salt) == (label, None)
    # Nobody else's events lost their salt.
    others = AuditEvent.objects.exclude(actor_id=erased.pk).exclude(object_type="membership")
    assert others.exists()
    assert not others.filter(label_salt__isnull=True).exists()

    # The pages still read well, under the name they have now.
    client.force_login(manager)
    page = client.get(reverse("trail:trail", kwargs={"project_id": project.pk}))
    assert f"{label} joined as a member" in page.text
    assert f"{label} left the project" in page.text
    assert OLD_NAME not in page.text
    client.force_login(facilitator)
    history = client.get(reverse("trail:history", kwargs={"project_id": project.pk}))
    assert history.status_code == 200
    assert OLD_NAME not in history.text


def test_events_recorded_before_format_2_keep_the_name_and_still_verify(
    project: Project, carer_member: User
) -> None:
    """The documented limit: a format 1 event's hash covers the name, so it stays."""
    with transaction.atomic():
        last = AuditEvent.objects.filter(project_id=None).order_by("-sequence").first()
        older = AuditEvent(
            project_id=None,
            sequence=last.sequence + 1 if last else 1,
            action="account.data_downloaded",
            actor_id=carer_member.pk,
            actor_label=OLD_NAME,
            previous_hash=last.hash if last else GENESIS_HASH,
        )
        older.hash = event_hash(older)
        older.save(force_insert=True)

    account_erase(actor=carer_member, user=carer_member)

    assert _rows_naming(OLD_NAME) == [(older.sequence, "account.data_downloaded")]
    assert verify_chain(None).intact
    assert verify_chain(project.pk).intact


def test_the_json_lines_export_after_erasure_verifies_and_gives_no_shredded_salt(
    project: Project, carer_member: User
) -> None:
    import datetime as dt
    import json

    from trail.exports import jsonl_chunks
    from trail.selectors import TrailFilters

    erased = account_erase(actor=carer_member, user=carer_member)
    exported = b"".join(jsonl_chunks(project, TrailFilters(), up_to=None)).decode()
    assert OLD_NAME not in exported
    rows = [json.loads(line) for line in exported.splitlines()]
    events = [row for row in rows if "hash_version" in row]
    assert events
    for row in events:
        content = type(
            "Event", (), {**row, "created_at": dt.datetime.fromisoformat(row["created_at"])}
        )
        assert event_hash(content) == row["hash"]  # type: ignore[arg-type]
    theirs = [row for row in events if row["actor_id"] == erased.pk]
    assert theirs
    assert all(row["label_salt"] is None for row in theirs)
