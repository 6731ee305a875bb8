"""The trail's tail cannot vanish unseen: anchors kept by checks, decision records,
exports and the observers' nightly email contradict a chain shortened in the database."""

from __future__ import annotations

import pgtrigger
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from coproduce.audit.models import AuditEvent, AuditVerification
from coproduce.audit.verify import chain_head
from participants.models import User
from participants.notifications.models import Notification
from participants.notifications.services import notifications_email
from projects.models import Project
from tests.trail.conftest import add_events, trail_url
from trail import services

pytestmark = pytest.mark.django_db

APPEND_ONLY = "coproduce.AuditEvent:audit_events_are_append_only"


def _delete_last(project: Project, count: int) -> int:
    """Delete the chain's newest entries, as someone holding the database could."""
    newest = list(AuditEvent.objects.filter(project_id=project.pk).order_by("-sequence")[:count])
    with pgtrigger.ignore(APPEND_ONLY):
        AuditEvent.objects.filter(pk__in=[event.pk for event in newest]).delete()
    return newest[-1].sequence  # the first position now missing


def test_deleting_the_last_entries_after_a_check_is_reported_by_the_page_and_the_command(
    client, project: Project, manager: User, capsys
) -> None:  # type: ignore[no-untyped-def]
    add_events(project, manager, 5)
    client.force_login(manager)
    client.post(trail_url("verify", project))
    first = AuditVerification.objects.get()
    assert first.intact
    assert first.head_sequence

    gone_from = _delete_last(project, 3)
    # What is left still links up: only the anchor shows the loss.
    page = client.get(client.post(trail_url("verify", project))["Location"])
    check = AuditVerification.objects.latest("pk")
    assert check.intact is False
    assert check.first_bad_sequence == gone_from
    assert "the trail is shorter than when it was last checked" in page.text
    assert f"entry {gone_from} and any after it are gone" in page.text
    assert "Entries do not match" in page.text

    # The failed check was recorded (one entry): the chain now ends just after it.
    assert chain_head(project.pk).sequence == gone_from
    with pytest.raises(CommandError, match="1 chain"):
        call_command("audit_verify")
    output = capsys.readouterr().out
    assert (
        f"project {project.pk}: the trail is shorter than when it was last checked "
        f"(entry {gone_from + 1} and any after it are gone)"
    ) in output


def test_a_tail_rewritten_to_link_up_again_differs_from_the_anchor(
    project: Project, manager: User
) -> None:
    checked = services.trail_verify(actor=manager, project=project)
    anchored = checked.head_sequence
    _delete_last(project, 3)
    # New, well-linked entries take the removed positions: the chain is as long again.
    add_events(project, manager, 4)
    check = services.trail_verify(actor=manager, project=project)
    assert check.intact is False
    assert check.problem == "the entry at this position changed since it was last checked"
    assert check.first_bad_sequence == anchored


def test_a_decision_record_carries_the_head_and_holds_the_chain_to_it(
    project: Project, facilitator: User, carer_member: User, manager: User
) -> None:
    import decisions.services
    from decisions.models import DecisionRecord
    from tests.trail.test_completeness import Cast, _voting_stage

    stage = _voting_stage(Cast(project=project, facilitator=facilitator, member=carer_member))
    decisions.services.voting_close(actor=facilitator, stage=stage)
    record_ = DecisionRecord.objects.get(stage=stage)
    recorded, before = AuditEvent.objects.filter(project_id=project.pk).order_by("-sequence")[:2]
    assert recorded.action == "decision.recorded"  # written after the record took the head
    assert record_.trail_head == f"{before.sequence}:{before.hash}"

    # Never checked before: the decision record alone shows the loss.
    assert not AuditVerification.objects.exists()
    _delete_last(project, AuditEvent.objects.filter(project_id=project.pk).count() - 2)
    check = services.trail_verify(actor=manager, project=project)
    assert check.intact is False
    assert check.problem == "the trail is shorter than when it was last checked"


def test_the_nightly_check_sends_each_project_s_head_to_its_observers(
    client, project: Project, manager: User, facilitator: User
) -> None:  # type: ignore[no-untyped-def]
    services.chains_verify_all()
    check = AuditVerification.objects.get(project_id=project.pk)
    assert check.intact
    assert check.requested_by is None
    recorded = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert recorded.action == "trail.verified"
    assert recorded.actor_id is None
    notes = Notification.objects.filter(kind="trail_checked")
    assert [note.recipient for note in notes] == [manager]  # observers only
    note = notes.get()
    assert f"Newest entry: {check.head_sequence}" in note.body
    assert check.head_hash in note.body
    assert note.link == trail_url("anchors", project)
    # The email, as the worker sends it (right away: the observer's default choice).
    mail.outbox.clear()
    notifications_email(keys=[note.key])
    assert [message.to for message in mail.outbox] == [[manager.email]]
    assert check.head_hash in mail.outbox[0].body
    # Running it again checks again, and tells them again: never the same row twice.
    services.anchor_send(check=check)
    assert Notification.objects.filter(kind="trail_checked").count() == 1

    client.force_login(manager)
    page = client.get(trail_url("anchors", project))
    assert page.status_code == 200
    assert "Where the record stands" in page.text
    head = chain_head(project.pk)
    assert head.hash in page.text  # now
    assert check.head_hash in page.text  # at the check
    client.force_login(facilitator)
    assert client.get(trail_url("anchors", project)).status_code == 200


def test_members_cannot_open_the_anchors_page(client, project: Project, carer_member) -> None:  # type: ignore[no-untyped-def]
    client.force_login(carer_member)
    assert client.get(trail_url("anchors", project)).status_code == 403


def test_the_events_table_refuses_truncate(project: Project) -> None:
    table = AuditEvent._meta.db_table
    before = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="Cannot truncate"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == before


def test_flush_is_refused_outside_development_and_tests(settings, project: Project) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.TEST_RUN = False
    with pytest.raises(CommandError, match="audit trail"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.filter(project_id=project.pk).exists()
    assert Project.objects.filter(pk=project.pk).exists()
