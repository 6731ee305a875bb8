"""`manage.py demo_code`: the current two-factor code of the demo accounts (development only)."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coproduce.site.management.commands.seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the two-factor code the demo facilitator and manager need right now."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code only runs with DEBUG=true.")
        counter = int(time.time()) // mfa_settings.TOTP_PERIOD  # what an app shows now
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        self.stdout.write(
            f"Two-factor code for facilitator@, manager@ and sponsor@example.org: {code}"
        )
        self.stdout.write("(It changes every 30 seconds.)")
