"""The person: email login, a pseudonymous display name by default."""

from __future__ import annotations

import pytest

from participants.models import User

pytestmark = pytest.mark.django_db


def test_a_new_person_gets_a_pseudonym_not_their_email() -> None:
    first = User.objects.create_user(email="Someone@Example.ORG", password="x" * 12)
    second = User.objects.create_user(email="other@example.org")
    assert first.email == "Someone@example.org"
    assert first.display_name
    assert "@" not in first.display_name
    assert str(first) == first.display_name
    assert first.get_full_name() == first.display_name
    assert not second.has_usable_password()


def test_email_is_the_login_and_must_be_unique() -> None:
    from django.db import IntegrityError, transaction

    User.objects.create_user(email="same@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="same@example.org")
    assert User.USERNAME_FIELD == "email"


def test_create_superuser_has_every_right() -> None:
    admin = User.objects.create_superuser(email="admin@example.org", password="x" * 12)
    assert admin.is_staff
    assert admin.is_superuser
