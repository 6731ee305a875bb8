"""`manage.py demo_code`: the current two-factor code of the demo accounts (development only)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coproduce.management.commands.seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the two-factor code the demo facilitator and manager need right now."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code only runs with DEBUG=true.")
        counter = next(iter(yield_hotp_counters_from_time()))
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        self.stdout.write(
            f"Two-factor code for facilitator@example.org and manager@example.org: {code}"
        )
        self.stdout.write("(It changes every 30 seconds.)")
