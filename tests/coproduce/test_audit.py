"""The audit trail is append-only in PostgreSQL and its hash chain shows tampering."""

from __future__ import annotations

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from coproduce.audit.events import EVENT_TYPES, Audience, UnknownEventType
from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from coproduce.audit.verify import verify_chain
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_updated_or_deleted_through_the_orm(project: Project) -> None:
    event = AuditEvent.objects.filter(project_id=project.pk).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing.happened")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    event.refresh_from_db()
    assert event.action == "project.created"


def test_an_event_cannot_be_updated_or_deleted_with_raw_sql(project: Project) -> None:
    event = AuditEvent.objects.filter(project_id=project.pk).first()
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_label = 'someone' WHERE id = %s", [event.pk])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    assert AuditEvent.objects.filter(project_id=project.pk).count() > 1


def test_verification_names_the_event_that_was_altered(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    events = list(AuditEvent.objects.filter(project_id=project.pk).order_by("sequence"))
    target = events[2]
    # Bypass the protection on purpose, as an attacker with database access would.
    with pgtrigger.ignore("coproduce.AuditEvent:audit_events_are_append_only"):
        AuditEvent.objects.filter(pk=target.pk).update(actor_label="Someone else")
    result = verify_chain(project.pk)
    assert not result.intact
    assert result.first_bad_event_id == target.pk
    with pytest.raises(CommandError, match="1 chain"):
        call_command("audit_verify")
    # Named by its position in the chain, as the trail's page names it (never its row id).
    output = capsys.readouterr().out
    assert (
        f"project {project.pk}: entry {target.sequence} does not match (its content was changed)"
    ) in output
    assert f"event {target.pk}" not in output


def test_verification_finds_a_removed_event(project: Project) -> None:
    events = list(AuditEvent.objects.filter(project_id=project.pk).order_by("sequence"))
    with pgtrigger.ignore("coproduce.AuditEvent:audit_events_are_append_only"):
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    result = verify_chain(project.pk)
    assert result.first_bad_event_id == events[2].pk


def test_audit_verify_reports_intact_chains(project: Project, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("audit_verify")
    assert "All chains intact" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(action="account.signed_in", actor=None)
    assert not AuditEvent.objects.exists()
    with transaction.atomic():
        event = record(action="account.signed_in", actor=None)
    assert event.actor_label == "the system"
    assert event.sequence == 1


def test_record_refuses_an_event_type_the_registry_does_not_know(project: Project) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(UnknownEventType, match=r"ballot\.withdrawn"), transaction.atomic():
        record(action="ballot.withdrawn", actor=None, project_id=project.pk)
    assert AuditEvent.objects.count() == before


def test_every_registered_event_type_says_who_may_see_it_in_a_sentence() -> None:
    for name, found in EVENT_TYPES.items():
        assert found.name == name
        assert found.seen_by in Audience
        assert found.sentence.strip()
        assert "\n" not in found.sentence
        if found.seen_by == Audience.COUNTS_ONLY:
            assert "%(count)s" in found.sentence
            assert "%(count)s" in found.plural
        if found.seen_by == Audience.MEMBERS:
            assert found.member_sentence, f"{name}: members see it, so it needs their line"
            assert "%(actor)s" not in found.member_sentence  # never who
    # Never written, so not registered.
    assert "ballot.changed" not in EVENT_TYPES
    assert "ballot.withdrawn" not in EVENT_TYPES
