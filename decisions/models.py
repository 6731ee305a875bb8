"""The vote's rules, proposals and their discussion, ballots and decision records.

Each stage with a vote has its VotingRules: how members vote and how the votes are
counted, fixed once voting opens.

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
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Stage


class VotingMethod(models.TextChoices):
    DOTS = "dots", _("Dots (share out a number of dots)")
    RANKING = "ranking", _("Ranking (put options in order)")
    CONSENT = "consent", _("Consent (agree, abstain, disagree or block)")
    SCORING = "scoring", _("Scoring (score each option 1 to 9)")
    VERDICT = "verdict", _("Review verdict (done as decided, done differently or not done)")


class Counting(models.TextChoices):
    ONE_PERSON_ONE_VOTE = "one_person_one_vote", _("One person, one vote")
    EQUAL_CONSTITUENCIES = (
        "equal_constituencies",
        _("Equal constituencies (each group carries the same weight, whatever its turnout)"),
    )


# The smallest group whose own result a results page shows. It cannot be set lower: with
# fewer voters, a group's result would show how each of them voted.
SMALLEST_GROUP_FLOOR = 3

# The method a new vote starts with, by kind of stage (a facilitator can change it).
DEFAULT_METHOD_FOR_KIND = {
    Stage.Kind.PRIORITY_SETTING: VotingMethod.RANKING,
    Stage.Kind.REVIEW: VotingMethod.VERDICT,
}


class VotingRules(models.Model):
    """How a stage's members vote and how the votes are counted.

    Rules fixed before voting: once the stage's voting has opened, nobody changes them
    (`locked`), and the decision record keeps a copy of them.
    """

    stage = models.OneToOneField(
        Stage, on_delete=models.CASCADE, primary_key=True, related_name="voting_rules"
    )
    voting_method = models.CharField(
        _("How members vote"),
        max_length=10,
        choices=VotingMethod.choices,
        default=VotingMethod.DOTS,
    )
    counting = models.CharField(
        _("How votes are counted"),
        max_length=24,
        choices=Counting.choices,
        default=Counting.ONE_PERSON_ONE_VOTE,
    )
    dots_per_member = models.PositiveSmallIntegerField(
        _("Dots each member places"),
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        null=True,
        blank=True,
        help_text=_("Leave empty to use a suggestion: about a third of the options, at least 3."),
    )
    dots_can_stack = models.BooleanField(
        _("Members can put more than one dot on an option"), default=True
    )
    max_ranks = models.PositiveSmallIntegerField(
        _("How many options each member ranks, at most"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    consent_threshold_percent = models.PositiveSmallIntegerField(
        _("Agreement needed to pass, in percent (66 lets two in three pass)"),
        default=66,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    scoring_in_percent = models.PositiveSmallIntegerField(
        _("Share that must score 7 to 9 for an option to be in, in percent"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    scoring_out_percent = models.PositiveSmallIntegerField(
        _("Share that may score 1 to 3 for an option to still be in, in percent"),
        default=15,
        validators=[MaxValueValidator(100)],
    )
    agreement_in_every_constituency = models.BooleanField(
        _("Agreement must be reached within every group"),
        default=False,
        help_text=_("For consent and scoring: no group can be outvoted by the others."),
    )
    open_ballot = models.BooleanField(
        _("Open ballot: show who voted how"),
        default=False,
        help_text=_("Votes are secret unless you choose this before voting opens."),
    )
    live_results = models.BooleanField(
        _("Show results while voting is open"),
        default=False,
        help_text=_("Otherwise results are shown only when voting closes."),
    )
    smallest_group_shown = models.PositiveSmallIntegerField(
        _("Smallest group whose own results are shown"),
        validators=[
            MinValueValidator(
                SMALLEST_GROUP_FLOOR,
                message=_(
                    "Enter %(limit_value)s or more. With fewer voters, a group's own "
                    "result would show how each of them voted."
                ),
            ),
            MaxValueValidator(500),
        ],
        default=SMALLEST_GROUP_FLOOR,
        help_text=_(
            "Results for a group with fewer voters are not shown, so nobody is unmasked. "
            "It is 3 at least."
        ),
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("Turnout needed overall, in percent (optional)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    quorum_per_constituency_percent = models.PositiveSmallIntegerField(
        _("Turnout needed in every group, in percent (optional)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )

    # Every rule, in the order the form shows them; the decision record keeps their values.
    FIELDS = (
        "voting_method",
        "counting",
        "dots_per_member",
        "dots_can_stack",
        "max_ranks",
        "consent_threshold_percent",
        "scoring_in_percent",
        "scoring_out_percent",
        "agreement_in_every_constituency",
        "open_ballot",
        "live_results",
        "smallest_group_shown",
        "quorum_percent",
        "quorum_per_constituency_percent",
    )

    class Meta:
        verbose_name_plural = "voting rules"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(smallest_group_shown__gte=SMALLEST_GROUP_FLOOR),
                name="smallest_group_shown_at_least_3",
            )
        ]

    def __str__(self) -> str:
        return f"Voting rules of {self.stage}"

    @property
    def locked(self) -> bool:
        """Rules fixed before voting: once voting has opened, nobody changes them."""
        return self.stage.voting_has_opened

    def as_record(self) -> dict[str, object]:
        """The rules as the decision record keeps them."""
        return {name: getattr(self, name) for name in sorted(self.FIELDS)}


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
    with_help = models.BooleanField(
        default=False,
        help_text="A facilitator recorded a vote for the member, at their request (by phone, "
        "on paper or in a meeting). Who took part is not secret; what they voted is.",
    )

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
    A random id and no timestamp.

    While voting is open, PostgreSQL's own bookkeeping (the transaction that wrote a
    row, where it sits in the table) can still tie a ballot to the participation row
    and trail entry written with it. So when voting closes, a secret ballot is sealed
    (`coproduce.sealing.rows_seal`, in the closing transaction): rewritten as a new
    row, in random order, with a new id and no `voter_key`. A sealed ballot has a NULL
    `voter_key`; open ballots are never sealed (they name their voter by design)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="ballots")
    # NULL, not "": many sealed ballots share a stage, and NULLs never clash in the
    # unique constraint below.
    voter_key = models.CharField(  # noqa: DJ001
        max_length=64,
        null=True,
        blank=True,
        help_text="Empty once the ballot is sealed (voting closed): then nothing finds it again.",
    )
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
            models.UniqueConstraint(fields=["stage", "voter_key"], name="one_ballot_per_member"),
            models.CheckConstraint(
                condition=models.Q(voter_key__isnull=False) | models.Q(voter__isnull=True),
                name="a_sealed_ballot_names_nobody",
            ),
        ]

    def __str__(self) -> str:
        return f"Ballot in {self.stage}"

    @property
    def sealed(self) -> bool:
        return self.voter_key is None


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
