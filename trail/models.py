"""The trail's own records: exports of a project's trail, waiting for their download.

(The events themselves, `record()`, the chain and its checks are the core's:
`coproduce.audit`.)
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditExport(models.Model):
    """An export of a project's trail that runs in the background, and its file.

    Only the person who asked may download the file, and only until `expires_at`;
    then a scheduled task deletes it.
    """

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (for spreadsheets)")
        JSONL = "jsonl", _("JSON Lines (for other software)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")
        EXPIRED = "expired", _("No longer available")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project_id = models.UUIDField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["project_id", "requested_by", "-created_at"], name="audit_export_mine"
            ),
            models.Index(fields=["expires_at"], name="audit_export_expiry"),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}, {self.status})"

    @property
    def available(self) -> bool:
        return self.status == self.Status.READY and self.expires_at > timezone.now()

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
