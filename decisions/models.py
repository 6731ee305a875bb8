"""Proposals and their discussion. (Ballots and decision records come next.)

A proposal belongs to a stage. Merging duplicates keeps the originals, linked to
the proposal they were merged into; carrying a proposal into the next stage keeps
a link to where it came from. So every option can be traced back to the first
submissions it grew from.
"""

from __future__ import annotations

import uuid

import pgtrigger
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


class Participation(models.Model):
    """That a member voted in a stage (for turnout and reminders), never what.

    Only the date is kept, so the time of a vote cannot be matched to anything.
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    voted_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stage", "user"], name="one_participation_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} voted in {self.stage}"


class Ballot(models.Model):
    """What was voted. No reference to the voter (unless the ballot is open by choice):
    only a keyed hash of voter and stage, so the voter can change it, and the
    constituency at the time of voting, which per-constituency results need.
    A random id and no timestamp, so neither row order nor time links it to anyone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="ballots")
    voter_key = models.CharField(max_length=64)
    constituency = models.CharField(max_length=20)
    content = models.JSONField()
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set only for open ballots, which the facilitator chose before voting opened.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stage", "voter_key"], name="one_ballot_per_member")
        ]

    def __str__(self) -> str:
        return f"Ballot in {self.stage}"


class DecisionRecord(models.Model):
    """What a vote decided, written once when voting closes and never changed after.

    PostgreSQL refuses any update or delete of this table. The facilitators'
    rationale, dissent and next steps are kept in DecisionNote, every edit a row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stage = models.OneToOneField(Stage, on_delete=models.PROTECT, related_name="decision")
    voting_method = models.CharField(max_length=10)
    counting = models.CharField(max_length=24)
    rules = models.JSONField()
    options = models.JSONField(help_text="The options in their published order, with titles.")
    electorate = models.JSONField(help_text="Members per constituency when voting opened.")
    turnout = models.JSONField(help_text="Voters per constituency.")
    result = models.JSONField()
    table = models.JSONField(help_text="The result as rows, overall and per constituency.")
    outcome = models.TextField()
    quorum_met = models.BooleanField(null=True)
    tie_breaks = models.JSONField(default=list)
    voting_opened_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    trail_head = models.CharField(
        max_length=90,
        blank=True,
        help_text="The audit trail's newest entry when the record was written, as "
        "'<position>:<hash>': an anchor that a shortened trail contradicts.",
    )

    class Meta:
        triggers = [
            pgtrigger.Protect(
                name="decision_records_never_change",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"Decision of {self.stage}"

    @property
    def decided_by_tie_break(self) -> bool:
        return bool(self.tie_breaks)


class DecisionNote(models.Model):
    """The facilitators' rationale, dissent and next steps: each edit is a new row."""

    record = models.ForeignKey(DecisionRecord, on_delete=models.PROTECT, related_name="notes")
    rationale = models.TextField(_("Why the group decided this"), max_length=4000)
    dissent = models.TextField(_("Summary of disagreement"), max_length=4000, blank=True)
    next_steps = models.TextField(_("Next steps"), max_length=4000, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-written_at", "-id"]
        triggers = [
            pgtrigger.Protect(
                name="decision_notes_are_kept", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Note on {self.record}"
