"""Meetings and workshops of a project: who is coming, what they need, who came, minutes.

What a member needs to take part (`Reply.needs`) is seen only by the project's
facilitators. Minutes are written as versions (`MinutesVersion`), never changed in
place: PostgreSQL refuses any update or delete of that table.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.dates import stored_in_range
from projects.models import Project, Stage


class Arrangement(models.TextChoices):
    STEP_FREE = "step_free", _("Step-free access")
    BSL = "bsl", _("British Sign Language (BSL) interpreter")
    BREAKS = "breaks", _("Regular breaks")
    QUIET_ROOM = "quiet_room", _("A quiet room")
    HEARING_LOOP = "hearing_loop", _("A hearing loop")


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="meetings")
    stage = models.ForeignKey(
        Stage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("Stage (optional)"),
    )
    title = models.CharField(_("Title"), max_length=120)
    purpose = models.TextField(_("What the meeting is for"), max_length=2000)
    agenda = models.TextField(
        _("Agenda"), max_length=4000, blank=True, help_text=_("One item on each line.")
    )
    starts_at = models.DateTimeField(_("Starts"))
    ends_at = models.DateTimeField(_("Ends"))
    place = models.CharField(
        _("Place (optional)"),
        max_length=300,
        blank=True,
        help_text=_("The address and room, for those who come in person."),
    )
    online_link = models.URLField(
        _("Online link (optional)"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("A link that starts with https://, for those who join online."),
    )
    arrangements = ArrayField(
        models.CharField(max_length=20, choices=Arrangement.choices),
        verbose_name=_("Arrangements offered"),
        default=list,
        blank=True,
    )
    arrangements_other = models.CharField(
        _("Other arrangements (optional)"), max_length=300, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Grows with each change, so calendars replace their copy (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    fed_stages = models.ManyToManyField(
        Stage, blank=True, related_name="meetings_fed", verbose_name=_("Stages it fed")
    )
    minutes_agreed = models.ForeignKey(
        "MinutesVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            *(
                models.CheckConstraint(
                    condition=stored_in_range(name), name=f"meeting_{name}_in_range"
                )
                for name in ("starts_at", "ends_at")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "meetings:detail", kwargs={"project_id": self.project_id, "meeting_id": self.pk}
        )

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        """Checking a form leaves when the meeting ends to the service
        (`meetings.services`), which says what is wrong beside the end time; the database
        still refuses a meeting that ends before it starts."""
        super().validate_constraints(exclude={*(exclude or ()), "ends_at"})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]

    @property
    def arrangement_labels(self) -> list[str]:
        labels = [str(Arrangement(value).label) for value in self.arrangements]
        if self.arrangements_other:
            labels.append(self.arrangements_other)
        return labels


class Reply(models.Model):
    """A member's answer: whether they will come, and (privately) what they need."""

    class Coming(models.TextChoices):
        YES = "yes", _("Yes, I will come")
        MAYBE = "maybe", _("Maybe")
        NO = "no", _("No, I cannot come")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="replies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    coming = models.CharField(_("Will you come?"), max_length=5, choices=Coming.choices)
    needs = models.TextField(
        _("What do you need to take part? (optional)"),
        max_length=2000,
        blank=True,
        help_text=_(
            "For example a BSL interpreter, a taxi, large print papers or a carer with you. "
            "Only the facilitators see this: other members and observers never do."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_reply_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} replied {self.coming}"


class Attendance(models.Model):
    """Someone who came, in person or online (recorded by a facilitator after the meeting)."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendances"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} came ({self.mode})"


class MinutesVersion(models.Model):
    """One version of a meeting's minutes. Never updated or deleted (a new version instead)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    number = models.PositiveIntegerField()
    text = models.TextField(max_length=20000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="one_minutes_per_number")
        ]
        triggers = [
            pgtrigger.Protect(
                name="minutes_versions_are_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"Minutes of {self.meeting_id}, version {self.number}"


class MinutesComment(models.Model):
    """A member's comment on a version of the minutes, before they are agreed."""

    version = models.ForeignKey(MinutesVersion, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("Your comment on the minutes"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on {self.version_id}"
