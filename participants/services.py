"""Writes about people. Each is one transaction, taking the acting person."""

from __future__ import annotations

from django.db import transaction

from coproduce.audit.record import record
from participants.models import User

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
        raise PermissionError("People change only their own details.")
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
