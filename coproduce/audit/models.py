"""One table of audit events, append-only in PostgreSQL and hash-chained per project."""

from __future__ import annotations

import pgtrigger
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
        indexes = [models.Index(fields=["project_id", "-created_at"], name="audit_newest_first")]
        triggers = [
            pgtrigger.Protect(
                name="audit_events_are_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label} at {self.created_at:%Y-%m-%d %H:%M}"


SYSTEM_LABEL = "the system"
