"""Writes about people. Each is one transaction, taking the acting person."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from coproduce.audit.record import record
from coproduce.errors import RightsError
from participants.models import User, unused_pseudonym

PROFILE_FIELDS = (
    "display_name",
    "full_name",
    "time_zone",
    "larger_text",
    "reduced_motion",
    "easy_read_first",
)


def user_update_profile(*, actor: User, user: User, **values: object) -> User:
    """Change a person's own details and preferences; only that person may."""
    if actor.pk != user.pk:
        raise RightsError("People change only their own details.")
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown profile fields {sorted(unknown)}.")
    changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
    if not changed:
        return user
    with transaction.atomic():
        for name in changed:
            setattr(user, name, values[name])
        user.save(update_fields=changed)
        # Site-wide (no project): which fields changed, never their values.
        record(action="profile.updated", actor=user, details={"changed": changed})
    return user


def user_sign_up_complete(*, user: User, display_name: str) -> User:
    """Finish a new account: the display name chosen at sign-up (a fresh pseudonym when
    none was chosen), and the site-wide audit event that the account was made.

    If someone took the same name in the moment between the form and this write, the
    person gets a pseudonym instead (they can change it on their profile): never an error
    page at the end of signing up.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.display_name = display_name or unused_pseudonym()
                user.save(update_fields=["display_name"])
        except IntegrityError:
            user.display_name = unused_pseudonym()
            user.save(update_fields=["display_name"])
        record(action="account.signed_up", actor=user, details={})
    return user
