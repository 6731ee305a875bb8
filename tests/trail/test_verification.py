"""Checking the chain from the page: the result is kept and shown, tampering is named,
long chains are checked in the background, and every chain is checked each night."""

from __future__ import annotations

import hashlib
import json

import pgtrigger
import pytest
from django.db import transaction

from coproduce.audit.models import AuditEvent, AuditVerification
from coproduce.audit.record import event_hash, record
from participants.models import User
from projects.models import Project
from tests.trail.conftest import add_events, trail_url
from trail import services

pytestmark = pytest.mark.django_db


def test_an_observer_checks_the_record_and_sees_the_result(
    client, project: Project, manager: User
) -> None:
    client.force_login(manager)
    response = client.post(trail_url("verify", project))
    assert response["Location"] == trail_url("trail", project)
    check = AuditVerification.objects.get()
    assert check.intact
    assert check.requested_by == manager
    assert check.finished_at
    # The check is recorded in the trail, after the entries it checked.
    recorded = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert recorded.action == "trail.verified"
    assert recorded.actor_id == manager.pk
    events = recorded.sequence - 1
    assert check.events_checked == events
    assert recorded.details == {"intact": True, "sequence": events, "hash": check.head_hash}
    assert check.head_sequence == events
    page = client.get(response["Location"])
    assert "nothing in the record has been changed or removed" in page.text
    assert "No changes found" in page.text
    assert f"all {events} entries match" in page.text
    assert "Checked by Silver Birch." in page.text


def test_a_changed_entry_is_named_on_the_page(client, project: Project, facilitator: User) -> None:
    target = AuditEvent.objects.filter(project_id=project.pk).order_by("sequence")[3]
    # Bypass the protection on purpose, as someone with access to the database could.
    with pgtrigger.ignore("coproduce.AuditEvent:audit_events_are_append_only"):
        AuditEvent.objects.filter(pk=target.pk).update(actor_label="Someone else")
    client.force_login(facilitator)
    response = client.post(trail_url("verify", project))
    page = client.get(response["Location"])
    assert f"entry {target.sequence} does not match (its content was changed)" in page.text
    assert "Entries do not match" in page.text
    check = AuditVerification.objects.get()
    assert check.intact is False
    assert check.first_bad_sequence == target.sequence


def test_a_long_chain_is_checked_in_the_background(
    client, project: Project, manager: User, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.AUDIT_VERIFY_IN_REQUEST_LIMIT = 3
    client.force_login(manager)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(trail_url("verify", project))
    assert len(callbacks) == 1
    check = AuditVerification.objects.get()
    assert check.pending
    page = client.get(response["Location"])
    assert "The check has started." in page.text
    assert "A check is running now." in page.text
    services.verification_run(verification_id=check.pk)  # what the task does
    check.refresh_from_db()
    assert check.intact
    assert not check.pending
    assert services.verification_run(verification_id=check.pk).finished_at == check.finished_at
    assert "No changes found" in client.get(response["Location"]).text


def test_every_chain_is_checked_each_night(
    client, project: Project, manager: User, carer_member: User
) -> None:
    from participants import services as participant_services

    participant_services.user_update_profile(
        actor=carer_member, user=carer_member, larger_text=True
    )
    checks = services.chains_verify_all()
    assert {check.project_id for check in checks} == {project.pk, None}
    assert all(check.intact and check.requested_by is None for check in checks)
    client.force_login(manager)
    assert "Checked automatically." in client.get(trail_url("trail", project)).text


def test_members_cannot_check_even_through_the_service(
    project: Project, carer_member: User
) -> None:
    with pytest.raises(PermissionError):
        services.trail_verify(actor=carer_member, project=project)


def _canonical_hash(content: dict) -> str:  # type: ignore[type-arg]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_the_hash_has_not_changed_with_the_faster_encoder(project: Project) -> None:
    """Stored chains stay valid: format 1 events hash the same canonical JSON as before."""
    last = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    # An event of format 1, as every event was before format 2.
    event = AuditEvent(
        project_id=project.pk,
        sequence=last.sequence + 1,
        action="trail.exported",
        actor_label="Warm Lark",
        details={"é": [1, None, 2.5], "person": "Warm Lark"},
        previous_hash=last.hash,
    )
    content = {
        "project_id": str(event.project_id),
        "sequence": event.sequence,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "request_id": event.request_id,
        "created_at": event.created_at.isoformat(),
        "previous_hash": event.previous_hash,
    }
    assert event.hash_version == 1
    assert event_hash(event) == _canonical_hash(content)


def test_format_2_hashes_a_salted_digest_of_the_names_instead_of_the_names(
    project: Project, manager: User
) -> None:
    """The recipe docs/data-protection.md gives for checking an export outside the portal."""
    add_events(project, None, 3)
    with transaction.atomic():
        record(
            action="trail.exported",
            actor=manager,
            project_id=project.pk,
            details={"é": [1, None, 2.5], "person": "Warm Lark"},
        )
    for event in AuditEvent.objects.filter(project_id=project.pk):
        assert event.hash_version == 2
        assert len(event.label_salt) == 32
        names = json.dumps(
            {"actor_label": event.actor_label, "person": event.details.get("person")},
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.sha256((event.label_salt + names).encode()).hexdigest()
        assert digest == event.personal_digest
        content = {
            "hash_version": 2,
            "project_id": str(event.project_id),
            "sequence": event.sequence,
            "action": event.action,
            "actor_id": event.actor_id,
            "personal_digest": digest,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": {key: value for key, value in event.details.items() if key != "person"},
            "request_id": event.request_id,
            "created_at": event.created_at.isoformat(),
            "previous_hash": event.previous_hash,
        }
        assert _canonical_hash(content) == event.hash == event_hash(event)
