"""Projects, their stages, the people in them, and invitations.

Rights are django-guardian object permissions on the project, granted to one
group per role (`ProjectRoleGroup`), never to a single person: joining or
leaving a project only changes group membership.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from coproduce.dates import stored_in_range
from participants.models import Constituency

# Reminders to members who have not voted: hours before voting closes.
DEFAULT_REMINDER_HOURS = (48, 24)
MAX_REMINDER_HOURS = 24 * 28
MAX_REMINDERS = 4


def default_reminder_hours() -> list[int]:
    return list(DEFAULT_REMINDER_HOURS)


def reminder_hours_normalised(hours: Iterable[int]) -> list[int]:
    """The reminder hours a stage keeps: whole hours from 1 to 4 weeks, at most four,
    each once, the earliest reminder first. Raises ValidationError, kindly worded."""
    cleaned = sorted({int(hour) for hour in hours}, reverse=True)
    if any(hour < 1 or hour > MAX_REMINDER_HOURS for hour in cleaned):
        raise ValidationError(
            _("Each reminder must be from 1 to %(most)s hours (4 weeks) before voting closes."),
            code="range",
            params={"most": MAX_REMINDER_HOURS},
        )
    if len(cleaned) > MAX_REMINDERS:
        raise ValidationError(
            _("Choose at most %(most)s reminders."), code="too_many", params={"most": MAX_REMINDERS}
        )
    return cleaned


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Facilitator")
    OBSERVER = "observer", _("Observer")
    # The NHS manager who holds the budget or authority: responds to the recommendations.
    SPONSOR = "sponsor", _("Sponsor")


class ProjectRight:
    """Codenames of the object permissions a project's role groups hold."""

    VIEW = "view_project"
    PROPOSE = "propose_in_project"
    COMMENT = "comment_in_project"
    VOTE = "vote_in_project"
    CONFIGURE = "configure_project"
    INVITE = "invite_to_project"
    MODERATE = "moderate_project"
    READ_AUDIT = "read_audit_trail"
    RECORD_WITH_HELP = "record_with_help"
    RESPOND = "respond_in_project"
    # Reply to meetings, choose how to be paid for involvement, and claim it.
    TAKE_PART = "take_part_in_project"


ROLE_RIGHTS: dict[str, tuple[str, ...]] = {
    Role.MEMBER: (
        ProjectRight.VIEW,
        ProjectRight.PROPOSE,
        ProjectRight.COMMENT,
        ProjectRight.VOTE,
        ProjectRight.TAKE_PART,
    ),
    Role.FACILITATOR: (
        ProjectRight.VIEW,
        ProjectRight.CONFIGURE,
        ProjectRight.INVITE,
        ProjectRight.MODERATE,
        ProjectRight.READ_AUDIT,
        ProjectRight.RECORD_WITH_HELP,
    ),
    Role.OBSERVER: (ProjectRight.VIEW, ProjectRight.READ_AUDIT),
    Role.SPONSOR: (ProjectRight.VIEW, ProjectRight.READ_AUDIT, ProjectRight.RESPOND),
}


class Project(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FINISHED = "finished", _("Finished")
        ARCHIVED = "archived", _("Archived")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("Project name"), max_length=120)
    purpose = models.TextField(
        _("What the project is for"),
        max_length=2000,
        help_text=_("In plain language: what should change, and for whom."),
    )
    easy_read_summary = models.TextField(
        _("Easy read summary (optional)"),
        max_length=2000,
        blank=True,
        help_text=_("Short sentences and everyday words. Shown first to people who ask for it."),
    )
    ground_rules = models.TextField(
        _("Ground rules"),
        max_length=6000,
        help_text=_("How the group works together. Everyone reads and accepts these to join."),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            (ProjectRight.PROPOSE, "Can propose in the project"),
            (ProjectRight.COMMENT, "Can comment in the project"),
            (ProjectRight.VOTE, "Can vote in the project"),
            (ProjectRight.CONFIGURE, "Can configure the project and its stages"),
            (ProjectRight.INVITE, "Can invite people to the project"),
            (ProjectRight.MODERATE, "Can moderate the project"),
            (ProjectRight.READ_AUDIT, "Can read the project's audit trail"),
            (
                ProjectRight.RECORD_WITH_HELP,
                "Can record a vote, proposal or comment for a member who asks for help",
            ),
            (ProjectRight.RESPOND, "Can respond to the project's recommendations"),
            (ProjectRight.TAKE_PART, "Can reply to meetings and claim involvement payments"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"project_id": self.pk})


class ProjectUserObjectPermission(UserObjectPermissionBase):
    """Per-person grants: deliberately unused (rights go to role groups). A test keeps it empty."""

    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectRoleGroup(models.Model):
    """The group that carries one role's rights in one project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=12, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="project_role")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "role"], name="one_group_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.role}"


class Stage(models.Model):
    class Kind(models.TextChoices):
        PROBLEM_DEFINITION = "problem_definition", _("Problem definition")
        PRIORITY_SETTING = "priority_setting", _("Priority setting")
        CO_DESIGN = "co_design", _("Co-design")
        DELIVERY = "delivery", _("Delivery")
        REVIEW = "review", _("Review")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        DRAFT = "draft", _("Not started")
        OPEN = "open", _("Open")
        VOTING = "voting", _("Voting")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("Kind of stage"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("Title"), max_length=120)
    description = models.TextField(_("What happens in this stage"), max_length=4000)
    reflective_questions = models.TextField(
        _("Questions to reflect on"),
        max_length=4000,
        blank=True,
        help_text=_("One question on each line."),
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    opens_at = models.DateTimeField(_("Opens"), null=True, blank=True)
    voting_opens_at = models.DateTimeField(_("Voting opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("Closes"), null=True, blank=True)
    proposals_allowed = models.BooleanField(
        _("Members can propose while the stage is open"), default=True
    )
    comments_allowed = models.BooleanField(
        _("Members can comment while the stage is open"), default=True
    )
    comments_allowed_during_voting = models.BooleanField(
        _("Members can comment while voting is open"), default=False
    )
    has_vote = models.BooleanField(
        _("This stage ends with a vote"),
        default=False,
        help_text=_(
            "Members vote on the proposals before the stage closes. "
            "How they vote is set in the stage's voting rules."
        ),
    )
    reminder_hours = ArrayField(
        models.PositiveSmallIntegerField(validators=[MaxValueValidator(MAX_REMINDER_HOURS)]),
        verbose_name=_("Remind members who have not voted, in hours before voting closes"),
        size=MAX_REMINDERS,
        default=default_reminder_hours,
        blank=True,
        help_text=_("For example 48, 24. Leave empty for no reminders."),
    )
    voting_opened_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["project", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "position"],
                name="one_stage_per_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            # Every moment a facilitator sets stays within years Python can read back
            # (coproduce.dates): one unreadable row would stop every page and the
            # schedule.
            *(
                models.CheckConstraint(
                    condition=stored_in_range(name), name=f"stage_{name}_in_range"
                )
                for name in ("opens_at", "voting_opens_at", "closes_at")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # The stage's page shows its vote too, so `decisions` serves it (same address).
        return reverse(
            "decisions:stage", kwargs={"project_id": self.project_id, "stage_id": self.pk}
        )

    @property
    def voting_has_opened(self) -> bool:
        """Once voting has opened, whether there is a vote and when it opened are fixed
        (and so are the vote's rules, kept by `decisions`)."""
        return self.state in (self.State.VOTING, self.State.CLOSED)

    @property
    def next_move(self) -> tuple[str, datetime] | None:
        """What the schedule does next to this stage, and when: ("opens", moment),
        ("voting_opens", moment) or ("closes", moment). None when nothing is scheduled,
        and in a project that is no longer active (its stages stay as they are)."""
        if self.project.status != Project.Status.ACTIVE:
            return None
        if self.state == self.State.DRAFT:
            return ("opens", self.opens_at) if self.opens_at else None
        if self.state == self.State.OPEN:
            if self.has_vote:
                return ("voting_opens", self.voting_opens_at) if self.voting_opens_at else None
            return ("closes", self.closes_at) if self.closes_at else None
        if self.state == self.State.VOTING:
            return ("closes", self.closes_at) if self.closes_at else None
        return None

    @property
    def planned_reminder_hours(self) -> list[int]:
        """The reminder hours that will really be used: a stage needs a closing time, and a
        reminder due before voting opens is skipped (the "voting opened" news says it all)."""
        if self.closes_at is None:
            return []
        opens = self.voting_opened_at or self.voting_opens_at
        return [
            hours
            for hours in self.reminder_hours
            if opens is None or self.closes_at - timedelta(hours=hours) >= opens
        ]

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.reflective_questions.splitlines() if line.strip()]


class Membership(models.Model):
    """A person in a project, with one role; members also say which constituency they are in."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("Role"), max_length=12, choices=Role.choices)
    constituency = models.CharField(
        _("Which group are you in?"), max_length=20, choices=Constituency.choices, blank=True
    )
    show_constituency = models.BooleanField(
        _("Let other members see which group I am in"), default=False
    )
    declaration_of_interests = models.TextField(
        _("Declaration of interests (optional)"), max_length=2000, blank=True
    )
    paid_staff = models.BooleanField(
        _("Takes part as part of their paid job"),
        default=False,
        help_text=_(
            "Staff such as clinicians and managers who take part in their paid time. They "
            "do not claim involvement payments; their attendance is still recorded."
        ),
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(left_at__isnull=True),
                name="one_current_membership_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(role="member") | ~Q(constituency=""),
                name="members_have_a_constituency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"

    @property
    def is_current(self) -> bool:
        return self.left_at is None


class Invitation(models.Model):
    """A single-use invitation by email, valid for 14 days unless revoked."""

    VALID_FOR_DAYS = 14

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("Email address"))
    role = models.CharField(_("Role"), max_length=12, choices=Role.choices)
    suggested_constituency = models.CharField(
        _("Suggested group (members only)"),
        max_length=20,
        choices=Constituency.choices,
        blank=True,
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.project} for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
