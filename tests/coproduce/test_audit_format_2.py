"""Events of format 2: tampering still shows, and the database lets through exactly one
UPDATE (an erased person's names replaced, their salt removed) and no DELETE."""

from __future__ import annotations

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from coproduce.audit.forget import forget_names
from coproduce.audit.models import FORGOTTEN_NAME_PREFIX, AuditEvent
from coproduce.audit.verify import CHANGED, verify_chain
from participants.models import FORMER_MEMBER_PREFIX, User
from projects.models import Membership, Project

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
BYPASS = "coproduce.AuditEvent:audit_events_are_append_only"


def _joined(project: Project, person: User) -> AuditEvent:
    membership = Membership.objects.get(project=project, user=person)
    return AuditEvent.objects.get(
        project_id=project.pk, action="membership.started", object_id=str(membership.pk)
    )


def _sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _erase(person: User) -> None:
    """What erasing the account does to its row first (the trigger checks it)."""
    User.objects.filter(pk=person.pk).update(
        erased_at=timezone.now(), display_name="Former member 9"
    )


def _forget(project: Project, person: User) -> None:
    _erase(person)
    with transaction.atomic():
        forget_names(
            person_id=person.pk,
            membership_ids=Membership.objects.filter(user=person).values_list("pk", flat=True),
            label="Former member 9",
        )


def _assert_changed_is_named(project: Project, event: AuditEvent) -> None:
    result = verify_chain(project.pk)
    assert (result.problem, result.first_bad_sequence) == (CHANGED, event.sequence)


def test_new_events_are_format_2_with_a_salt(project: Project, carer_member: User) -> None:
    joined = _joined(project, carer_member)
    assert joined.hash_version == 2
    assert len(joined.label_salt or "") == 32
    assert joined.details["person"] == "Steady Rowan"
    assert verify_chain(project.pk).intact


@pytest.mark.parametrize(
    "tamper",
    [
        # A name, while its salt is kept: the digest no longer matches.
        "actor_label = 'Someone else'",
        "details = jsonb_set(details, '{person}', '\"Someone\"')",
        # The digest itself, or a field the hash covers.
        "personal_digest = md5('x') || md5('y')",
        'details = details || \'{"role": "observer"}\'',
        "object_id = 'elsewhere'",
        # A salt of someone's choosing no longer gives the digest.
        "label_salt = md5('x')",
    ],
    ids=["name", "person", "digest", "details", "object", "salt"],
)
def test_tampering_with_an_event_of_format_2_is_found(
    project: Project, carer_member: User, tamper: str
) -> None:
    event = _joined(project, carer_member)
    # As an attacker with database access would: the protection bypassed on purpose.
    with pgtrigger.ignore(BYPASS):
        _sql(f"UPDATE {TABLE} SET {tamper} WHERE id = %s", [event.pk])  # noqa: S608
    _assert_changed_is_named(project, event)


def test_a_shredded_event_verifies_through_its_digest_and_its_digest_still_counts(
    project: Project, carer_member: User
) -> None:
    _forget(project, carer_member)
    event = _joined(project, carer_member)
    assert (event.label_salt, event.details["person"]) == (None, "Former member 9")
    assert verify_chain(project.pk).intact
    with pgtrigger.ignore(BYPASS):
        _sql(f"UPDATE {TABLE} SET personal_digest = md5('x') || md5('y') WHERE id = %s", [event.pk])  # noqa: S608
    _assert_changed_is_named(project, event)


def test_the_database_lets_the_names_of_a_format_2_event_be_replaced_with_its_salt(
    project: Project, carer_member: User
) -> None:
    event = _joined(project, carer_member)
    _erase(carer_member)
    with transaction.atomic():
        _sql(
            f"UPDATE {TABLE} SET actor_label = 'Former member 9', label_salt = NULL, "  # noqa: S608
            "details = jsonb_set(details, '{person}', '\"Former member 9\"') WHERE id = %s",
            [event.pk],
        )
    event.refresh_from_db()
    assert (event.actor_label, event.label_salt) == ("Former member 9", None)


@pytest.mark.parametrize(
    "change",
    [
        # The names changed but the salt kept.
        "actor_label = 'Someone else'",
        # The salt removed together with another column, or another key of the details.
        "label_salt = NULL, action = 'nothing.happened'",
        "label_salt = NULL, personal_digest = md5('x') || md5('y')",
        "label_salt = NULL, hash = md5('x') || md5('y')",
        "label_salt = NULL, hash_version = 1",
        "label_salt = NULL, created_at = created_at + interval '1 second'",
        'label_salt = NULL, details = details || \'{"role": "observer"}\'',
        "label_salt = NULL, details = details - 'person'",
        # The salt removed with a name that is not an erased account's, or with none.
        "label_salt = NULL, actor_label = 'Someone else'",
        "label_salt = NULL",
        # An erased account's name given to an entry of someone still here.
        "label_salt = NULL, actor_label = 'Former member 9'",
        "label_salt = NULL, details = jsonb_set(details, '{person}', '\"Former member 9\"')",
        # A salt put back, or another one.
        "label_salt = md5('x')",
    ],
)
def test_the_database_refuses_any_other_update_of_a_format_2_event(
    project: Project, carer_member: User, change: str
) -> None:
    event = _joined(project, carer_member)
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"UPDATE {TABLE} SET {change} WHERE id = %s", [event.pk])  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash
    assert verify_chain(project.pk).intact


def test_the_database_refuses_renaming_a_shredded_event_or_a_format_1_one_or_deleting(
    project: Project, carer_member: User, manager: User
) -> None:
    _forget(project, carer_member)
    shredded = _joined(project, carer_member)
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"UPDATE {TABLE} SET actor_label = 'Someone' WHERE id = %s", [shredded.pk])  # noqa: S608
    with pgtrigger.ignore(BYPASS), transaction.atomic():
        # An event of format 1 (as every event made before format 2 is), salt and all.
        _sql(f"UPDATE {TABLE} SET hash_version = 1 WHERE actor_id = %s", [manager.pk])  # noqa: S608
    older = AuditEvent.objects.filter(actor_id=manager.pk).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(
            f"UPDATE {TABLE} SET actor_label = 'Someone', label_salt = NULL WHERE id = %s",  # noqa: S608
            [older.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"DELETE FROM {TABLE} WHERE id = %s", [_joined(project, manager).pk])  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"DELETE FROM {TABLE} WHERE id = %s", [shredded.pk])  # noqa: S608
    assert AuditEvent.objects.filter(pk=shredded.pk).exists()


def test_a_salt_removed_without_naming_an_erased_account_shows_as_changed(
    project: Project, carer_member: User
) -> None:
    """Someone who gets past the database's refusal (as its owner can) and removes a
    salt to stop a name being checked: the check still finds the event."""
    event = _joined(project, carer_member)
    with pgtrigger.ignore(BYPASS):
        _sql(
            f"UPDATE {TABLE} SET label_salt = NULL, actor_label = 'Someone else' WHERE id = %s",  # noqa: S608
            [event.pk],
        )
    _assert_changed_is_named(project, event)


def test_the_trail_and_the_accounts_agree_on_the_name_of_an_erased_account() -> None:
    assert FORGOTTEN_NAME_PREFIX == FORMER_MEMBER_PREFIX
