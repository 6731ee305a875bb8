"""One table of audit events, append-only in PostgreSQL and hash-chained per project."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Something that changed, who changed it and when. Never updated, never deleted."""

    # The chain an event belongs to: a project's id, or None for site-wide events.
    project_id = models.UUIDField(null=True, blank=True, db_index=True)
    sequence = models.PositiveBigIntegerField()
    action = models.CharField(max_length=64)
    # No foreign key: the trail outlives the rows it speaks of (and cannot be updated).
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        app_label = "coproduce"
        ordering = ["project_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["project_id", "sequence"],
                name="one_event_per_chain_position",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["project_id", "-created_at"], name="audit_newest_first"),
            # The trail filtered by one action (or the ballots of a day), newest first.
            models.Index(fields=["project_id", "action", "sequence"], name="audit_by_action"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_events_are_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            # TRUNCATE fires no row trigger: refuse it for the whole statement.
            # (pgtrigger's Protect supports statement level only with a transition table,
            # which TRUNCATE has not: a plain trigger that raises.)
            pgtrigger.Trigger(
                name="audit_events_are_never_truncated",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label} at {self.created_at:%Y-%m-%d %H:%M}"


SYSTEM_LABEL = "the system"


class AuditVerification(models.Model):
    """One check of a chain: who asked (None: the scheduler), when, and what it found.

    Kept, one row per check, so the observer's page can say when the record was last
    checked and the result. A check of a long chain runs in the background: until it
    finishes, `finished_at` is empty.

    A check that found the chain intact keeps the chain's head it saw (the position
    and hash of its last entry): an anchor. Every later check fails if that entry is
    gone (the chain is shorter) or differs, so deleting the newest entries shows.
    """

    project_id = models.UUIDField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    events_checked = models.PositiveBigIntegerField(default=0)
    intact = models.BooleanField(null=True, blank=True)
    first_bad_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=120, blank=True)
    head_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        app_label = "coproduce"
        indexes = [
            models.Index(fields=["project_id", "-requested_at"], name="audit_check_newest_first")
        ]

    def __str__(self) -> str:
        scope = self.project_id or "site-wide events"
        return f"Check of {scope} at {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def pending(self) -> bool:
        return self.finished_at is None
