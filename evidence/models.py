"""Reflection at every stage, the pulse when a stage closes, and the reports kept.

Anonymity, like the secret ballot (`decisions.models.Ballot`): an anonymous reflection
and every pulse answer hold no person. That someone answered a pulse is a separate row
(`PulseTaken`), which only stops a person answering twice. While a pulse is open,
PostgreSQL's own bookkeeping (the transaction that wrote a row, where it sits in the
table) could tie an answer to the "has answered" row written with it; so when the pulse
closes its answers are sealed (`coproduce.sealing.rows_seal`): written again in random
order with new ids, in the closing transaction. Results are shown only after that, so
nobody can compare the results before and after one person answered.

Reflection on a stage ends when its pulse closes (or when the project stops being
active): then its anonymous answers are sealed the same way, their day made that of
the sealing, so neither the row nor its place ties one to the trail's entry or to the
person who wrote it.
"""

from __future__ import annotations

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Project, Stage

# The 4Pi statements (NSUN), scored 1 (strongly disagree) to 5 (strongly agree).
DEFAULT_STATEMENTS = (
    "I could say what I really thought",
    "My knowledge was valued as much as anyone's",
    "I understood what was decided and why",
    "This stage changed something that matters to me",
)
MAX_STATEMENTS = 8
STATEMENT_MAX = 200


class Rung(models.TextChoices):
    """Think Local Act Personal's ladder of participation, lowest first."""

    COERCION = "coercion", _("Coercion: people were made to attend")
    EDUCATING = "educating", _("Educating: people were told how things work")
    INFORMING = "informing", _("Informing: people were told what was decided")
    CONSULTING = "consulting", _("Consulting: people were asked, others decided")
    ENGAGING = "engaging", _("Engaging: people had a say in some decisions")
    CO_DESIGN = "co_design", _("Co-design: people shaped what was made")
    CO_PRODUCTION = "co_production", _("Co-production: people shared power as equals")


class ReflectionAnswer(models.Model):
    """A member's answer to one of a stage's questions to reflect on.

    Named (author set) or anonymous (no author, as the member chose); only the day is
    kept, so the time cannot be matched to anything else. An anonymous answer is sealed
    when reflection on its stage ends: written again with a new id, in random order,
    its day the day of sealing."""

    BODY_MAX = 2000

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="reflections")
    question = models.CharField(max_length=500)
    body = models.TextField(_("Your answer"), max_length=BODY_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the member chose to answer anonymously.",
    )
    written_on = models.DateField(default=timezone.localdate)
    hidden = models.BooleanField(default=False)
    moderation_reason = models.CharField(max_length=500, blank=True)
    sealed = models.BooleanField(
        default=False, help_text="An anonymous answer rewritten when reflection on its stage ended."
    )

    class Meta:
        ordering = ["question", "written_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sealed=False) | models.Q(author__isnull=True),
                name="a_sealed_reflection_names_nobody",
            ),
        ]

    def __str__(self) -> str:
        return f"Reflection on {self.stage}"


class Pulse(models.Model):
    """The short anonymous questionnaire of a stage: set before the stage opens, sent to
    every member when it closes, closed (and sealed) after `closes_at`."""

    OPEN_FOR_DAYS = 14

    stage = models.OneToOneField(
        Stage, on_delete=models.CASCADE, primary_key=True, related_name="pulse"
    )
    statements = models.JSONField(default=list)
    ask_ladder = models.BooleanField(
        _("Also ask where the stage was on the ladder of participation"), default=True
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Pulse of {self.stage}"

    @property
    def locked(self) -> bool:
        """Statements fixed before the stage opens, like voting rules."""
        return self.stage.state != Stage.State.DRAFT

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None


class PulseTaken(models.Model):
    """That a member answered a stage's pulse (only the day), never what."""

    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="taken")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answered_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pulse", "user"], name="one_pulse_answer_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} answered {self.pulse}"


class PulseAnswer(models.Model):
    """What was answered: no person, no time, a random id; the constituency at the time
    of answering, which results per group need. Rewritten in random order at close."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="answers")
    constituency = models.CharField(max_length=20)
    scores = models.JSONField(help_text="One score 1 to 5 per statement, or null if left out.")
    rung = models.CharField(max_length=16, choices=Rung.choices, blank=True)
    sealed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Answer to {self.pulse}"


class Report(models.Model):
    """A co-production report as it was made: its page and PDF, never changed after.

    PostgreSQL refuses any update or delete of this table."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)
    trail_head = models.CharField(
        max_length=90, blank=True, help_text="The audit trail's newest entry: '<position>:<hash>'."
    )
    html = models.TextField(help_text="The report's body as it was rendered.")
    pdf = models.BinaryField()

    class Meta:
        ordering = ["-made_at"]
        triggers = [
            pgtrigger.Protect(
                name="reports_never_change", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.project}"
