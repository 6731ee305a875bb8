"""The second half of the cycle: what the group recommended, the organisation's response,
and the delivery actions the group owns together.

A closed vote's adopted options become the project's recommendations (each linked to
its decision record and, through the proposal, back to the first ideas). A sponsor
responds to each; every version of a response is kept (never updated in place). Each
accepted recommendation has actions, proposed by anyone in the project and confirmed
by a facilitator or sponsor, with dated progress updates and comments.
"""

from __future__ import annotations

import uuid
from datetime import date

import pgtrigger
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from decisions.models import DecisionRecord, Proposal
from projects.models import Project, Role

# A response is due this many days after the decision, unless the facilitator sets a date.
DEFAULT_RESPONSE_DAYS = 28


class Recommendation(models.Model):
    """One adopted option of a closed vote: what the group asks the organisation to do."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="recommendations")
    record = models.ForeignKey(
        DecisionRecord, on_delete=models.PROTECT, related_name="recommendations"
    )
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=Proposal.TITLE_MAX)
    position = models.PositiveSmallIntegerField(help_text="Its place in the decision's result.")
    response_due_on = models.DateField(_("The response is due by"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record__created_at", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "proposal"], name="one_recommendation_per_option"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "delivery:recommendation",
            kwargs={"project_id": self.project_id, "recommendation_id": self.pk},
        )


class Answer(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    ACCEPTED_IN_PART = "accepted_in_part", _("Accepted in part")
    NOT_NOW = "not_now", _("Not now")
    DECLINED = "declined", _("Declined")


# Answers that lead to delivery actions, and those the group can take back and discuss.
ACTIONABLE_ANSWERS = (Answer.ACCEPTED, Answer.ACCEPTED_IN_PART)
DISCUSSED_ANSWERS = (Answer.ACCEPTED_IN_PART, Answer.DECLINED)


class Response(models.Model):
    """One version of the organisation's response to a recommendation. A revision is a new
    row with the next version number; PostgreSQL refuses updates and deletes."""

    REASONS_MAX = 4000

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="responses"
    )
    version = models.PositiveSmallIntegerField()
    answer = models.CharField(_("Your response"), max_length=16, choices=Answer.choices)
    reasons = models.TextField(_("Reasons"), max_length=REASONS_MAX, blank=True)
    next_steps = models.TextField(_("What will happen next"), max_length=REASONS_MAX)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "version"], name="one_response_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(answer="accepted") | ~models.Q(reasons=""),
                name="reasons_unless_accepted",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="responses_are_kept", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.version} to {self.recommendation}"

    @property
    def actionable(self) -> bool:
        return self.answer in ACTIONABLE_ANSWERS

    @property
    def discussed(self) -> bool:
        return self.answer in DISCUSSED_ANSWERS


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    STUCK = "stuck", _("Stuck")
    DROPPED = "dropped", _("Dropped")


# The steps an action's status can take. Anything else skips a step (planned to done) or
# goes nowhere; dropping needs a reason; a dropped action can be planned again.
STATUS_STEPS: dict[str, tuple[str, ...]] = {
    ActionStatus.PLANNED: (ActionStatus.IN_PROGRESS, ActionStatus.DROPPED),
    ActionStatus.IN_PROGRESS: (ActionStatus.DONE, ActionStatus.STUCK, ActionStatus.DROPPED),
    ActionStatus.STUCK: (ActionStatus.IN_PROGRESS, ActionStatus.DROPPED),
    ActionStatus.DONE: (ActionStatus.IN_PROGRESS,),
    ActionStatus.DROPPED: (ActionStatus.PLANNED,),
}
# Who may own a delivery action: anyone taking part in the project (observers read only).
OWNER_ROLES = (Role.MEMBER, Role.FACILITATOR, Role.SPONSOR)
# Statuses in which an action still has work to do (and so can be overdue).
OPEN_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.STUCK)


class Action(models.Model):
    """A piece of delivery work on an accepted recommendation, owned by one person in the
    project. Proposed by anyone in the project; counts once a facilitator or sponsor
    confirms it."""

    TITLE_MAX = 160
    TEXT_MAX = 2000

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("What will be done"), max_length=TITLE_MAX)
    done_looks_like = models.TextField(_('What "done" looks like'), max_length=TEXT_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delivery_actions"
    )
    due_on = models.DateField(_("Due by"))
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    drop_reason = models.TextField(max_length=TEXT_MAX, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "proposed_at", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_on"], name="action_owner_due")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="dropped") | ~models.Q(drop_reason=""),
                name="dropping_needs_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "delivery:action",
            kwargs={"project_id": self.recommendation.project_id, "action_id": self.pk},
        )

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    def overdue_on(self, today: date) -> bool:
        return self.confirmed and self.status in OPEN_STATUSES and self.due_on < today


class ActionUpdate(models.Model):
    """A dated progress update by the action's owner, with an optional link to evidence."""

    TEXT_MAX = 2000

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("What has happened"), max_length=TEXT_MAX)
    evidence_url = models.URLField(_("Link to evidence (optional)"), max_length=500, blank=True)
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-written_at", "-id"]

    def __str__(self) -> str:
        return f"Update on {self.action}"


class DeliveryComment(models.Model):
    """A member's comment on a recommendation (declined or accepted in part) or on one of its
    actions (then `action` is set too)."""

    BODY_MAX = 1500

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="comments"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("Your comment"), max_length=BODY_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author}"


class ReviewOption(models.Model):
    """An option of a review's verdict vote: a proposal in the review stage standing for one
    recommendation that was acted on. Decisions knows only the proposal; the link back to
    the recommendation lives here."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, primary_key=True, related_name="review_of"
    )
    stage = models.ForeignKey("projects.Stage", on_delete=models.CASCADE, related_name="+")
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="review_options"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "recommendation"], name="one_review_option_per_recommendation"
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.recommendation_id}"


class PublicReport(models.Model):
    """ "You said, we did" published as a public page (no sign-in). Its address holds a random
    token, made anew at each publishing, so a withdrawn page's old address stays dead and no
    address can be guessed from a project's id."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="public_report")
    token = models.CharField(max_length=64, unique=True)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Public report of {self.project_id}"

    def get_absolute_url(self) -> str:
        return reverse("delivery_public:you_said", kwargs={"token": self.token})
