"""Create the demo accounts for `make run`. Safe to run again: it only brings them up to date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from participants.models import User

DEMO_PASSWORD = "co-produce demo"  # noqa: S105 (published on purpose; DEBUG only)


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    role: str


DEMO_PEOPLE = (
    DemoPerson("lived-experience@example.org", "Quiet Heron", "member with lived experience"),
    DemoPerson("carer@example.org", "Steady Rowan", "carer member"),
    DemoPerson("clinician@example.org", "Clear Brook", "clinician member"),
    DemoPerson("facilitator@example.org", "Warm Lark", "facilitator"),
    DemoPerson("manager@example.org", "Silver Birch", "NHS manager (observer)"),
    DemoPerson("outsider@example.org", "Misty Fern", "outsider (in no project)"),
)


class Command(BaseCommand):
    help = "Create or refresh the demo accounts (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=true: demo accounts have a published password."
            )
        with transaction.atomic():
            for person in DEMO_PEOPLE:
                _ensure_person(person)
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD!r}):")
        for person in DEMO_PEOPLE:
            self.stdout.write(f"  {person.email:<32} {person.display_name:<14} {person.role}")
        self.stdout.write("Or sign in with a code: the email lands in var/mail/ and the console.")


def _ensure_person(person: DemoPerson) -> User:
    user, _created = User.objects.get_or_create(
        email=person.email, defaults={"display_name": person.display_name}
    )
    user.display_name = person.display_name
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["display_name", "password"])
    EmailAddress.objects.update_or_create(
        user=user, email=person.email, defaults={"primary": True, "verified": True}
    )
    return user
