"""`manage.py audit_verify`: check every hash chain of the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coproduce.audit.verify import problem_in_words, verify_all_chains


class Command(BaseCommand):
    help = (
        "Verify every project's audit hash chain against its anchors; name the first entry "
        "(by its position in the chain, as the trail's page does) that does not match."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = []
        total = 0
        for result in verify_all_chains():
            total += result.events_checked
            scope = f"project {result.project_id}" if result.project_id else "site-wide events"
            if result.intact:
                head = f", newest entry {result.head}" if result.head else ""
                self.stdout.write(f"{scope}: {result.events_checked} entries{head}, intact")
            else:
                broken.append(result)
                words = problem_in_words(result.problem, result.first_bad_sequence)
                self.stdout.write(f"{scope}: {words}")
        if broken:
            raise CommandError(f"{len(broken)} chain(s) broken.")
        self.stdout.write(f"All chains intact ({total} entries).")
