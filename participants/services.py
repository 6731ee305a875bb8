"""Writes about people. Each is one transaction, taking the acting person."""

from __future__ import annotations

from django.db import transaction

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
    with transaction.atomic():
        for name, value in values.items():
            setattr(user, name, value)
        user.save(update_fields=list(values))
    return user
