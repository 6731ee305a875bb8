"""Notification rows and each person's choice of how to receive each kind."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about. A person chooses how to receive each kind."""

    INVITED = "invited", _("You are invited to join a project")
    STAGE_OPENED = "stage_opened", _("A stage of a project opens")
    VOTING_OPENED = "voting_opened", _("Voting opens")
    VOTING_REMINDER = "voting_reminder", _("Reminders to vote before voting closes")
    RESULTS_PUBLISHED = "results_published", _("Results of a vote are ready")
    DECISION_RECORDED = "decision_recorded", _("The reasons for a decision are written up")
    REPLY = "reply", _("Someone replies to your proposal or comment")
    PROPOSAL_MODERATED = "proposal_moderated", _("A proposal of yours is hidden or combined")
    PULSE_OPENED = "pulse_opened", _("A short anonymous questionnaire when a stage closes")
    TRAIL_CHECKED = "trail_checked", _("The nightly check of a project's audit trail (observers)")
    RECORDED_FOR_YOU = (
        "recorded_for_you",
        _("A facilitator records a vote, proposal or comment for you, as you asked"),
    )
    RESPONSE_PUBLISHED = "response_published", _("The organisation responds to a recommendation")
    RESPONSE_DUE = "response_due", _("Reminders that a response is due (sponsors)")
    ACTION_PROPOSED = (
        "action_proposed",
        _("An action waits for confirmation (facilitators, sponsors)"),
    )
    ACTION_ASSIGNED = "action_assigned", _("A delivery action is given to you")
    ACTION_DUE = "action_due", _("Reminders that an action of yours is due or overdue")


class Delivery(models.TextChoices):
    """How a person wants to hear about one kind of notification."""

    IMMEDIATE = "immediate", _("Email me right away")
    DIGEST = "digest", _("One email a day with everything")
    OFF = "off", _("No emails")


class Notification(models.Model):
    """One thing one person is told. Its key makes it unique, so it is written once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(
        max_length=200,
        unique=True,
        help_text="The event and the recipient, so a retried task never writes or sends twice.",
    )
    delivery = models.CharField(
        max_length=10,
        choices=Delivery.choices,
        help_text="The person's choice for this kind when the notification was written.",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True, help_text="A path in the portal.")
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="Shown in the person's own time zone."
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["delivery", "created_at"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(models.Model):
    """A person's choice for one kind. No row means the default: right away."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"
