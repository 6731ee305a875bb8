"""`manage.py flush`, which empties every table, knowing that the audit trail refuses it.

The audit events table refuses TRUNCATE (a statement trigger). A development or test
database may still be emptied whole (the test runner does so between tests): there the
trigger is bypassed for this command only. Anywhere else the command refuses, before
touching anything.
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush

NEVER_TRUNCATED = "coproduce.AuditEvent:audit_events_are_never_truncated"


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not (settings.DEBUG or settings.TEST_RUN):
            raise CommandError(
                "flush would empty the audit trail, which nobody may do in production."
            )
        with pgtrigger.ignore(NEVER_TRUNCATED):
            super().handle(**options)
