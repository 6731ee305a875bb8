"""Writes about people. Each is one transaction, taking the acting person."""

from __future__ import annotations

from django.db import transaction

from participants.models import User


def user_update_profile(
    *, actor: User, user: User, display_name: str, full_name: str, time_zone: str
) -> User:
    """Change a person's own details; only that person may."""
    if actor.pk != user.pk:
        raise PermissionError("People change only their own details.")
    with transaction.atomic():
        user.display_name = display_name
        user.full_name = full_name
        user.time_zone = time_zone
        user.save(update_fields=["display_name", "full_name", "time_zone"])
    return user
