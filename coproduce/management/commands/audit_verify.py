"""`manage.py audit_verify`: check every hash chain of the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coproduce.audit.verify import verify_all_chains


class Command(BaseCommand):
    help = "Verify every project's audit hash chain; name the first event that does not match."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = []
        total = 0
        for result in verify_all_chains():
            total += result.events_checked
            scope = f"project {result.project_id}" if result.project_id else "site-wide events"
            if result.intact:
                self.stdout.write(f"{scope}: {result.events_checked} events, intact")
            else:
                broken.append(result)
                self.stdout.write(
                    f"{scope}: event {result.first_bad_event_id} does not match ({result.problem})"
                )
        if broken:
            raise CommandError(f"{len(broken)} chain(s) broken.")
        self.stdout.write(f"All chains intact ({total} events).")
