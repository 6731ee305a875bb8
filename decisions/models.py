"""Proposals and their discussion. (Ballots and decision records come next.)

A proposal belongs to a stage. Merging duplicates keeps the originals, linked to
the proposal they were merged into; carrying a proposal into the next stage keeps
a link to where it came from. So every option can be traced back to the first
submissions it grew from.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Stage


class Proposal(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn by its author")
        HIDDEN = "hidden", _("Hidden by a facilitator")
        MERGED = "merged", _("Merged into another proposal")

    TITLE_MAX = 120
    BODY_MAX = 2000

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="Empty for a proposal a facilitator carried forward or merged.",
    )
    title = models.CharField(_("Title"), max_length=TITLE_MAX)
    body = models.TextField(_("Your proposal"), max_length=BODY_MAX)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    moderation_reason = models.CharField(max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    merge_note = models.CharField(max_length=500, blank=True)
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_to"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    search = models.GeneratedField(
        expression=SearchVector("title", "body", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            GinIndex(fields=["search"], name="proposal_search"),
            models.Index(fields=["stage", "status", "created_at"], name="proposal_stage_list"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "decisions:proposal",
            kwargs={
                "project_id": self.stage.project_id,
                "stage_id": self.stage_id,
                "proposal_id": self.pk,
            },
        )


class Comment(models.Model):
    BODY_MAX = 1500

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(_("Your comment"), max_length=BODY_MAX)
    hidden = models.BooleanField(default=False)
    moderation_reason = models.CharField(max_length=500, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.proposal}"
