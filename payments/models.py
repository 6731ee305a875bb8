"""Involvement payments: each project's policy and rates, each member's choice, claims.

Money is a `DecimalField` with two decimal places (exact, never a float). Rates are
versioned with the day they take effect: PostgreSQL refuses any update or delete of
the rates table, so a change of rate is a new row and old claims keep the rate of
their day. No bank details are stored here: finance holds those.

A member's choice (payment, voucher or no payment) and their claims are seen only by
them and the project's facilitators (and in the finance export).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Attendance
from projects.models import Project

MONEY = {"max_digits": 10, "decimal_places": 2}
ZERO = Decimal("0.00")


class PaymentPolicy(models.Model):
    """A project's policy, agreed before involvement starts."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="payment_policy"
    )
    starts_on = models.DateField(
        _("Involvement starts on"),
        help_text=_("Claims can be for activities from this day. For example 3 March 2027."),
    )
    ends_on = models.DateField(
        _("Involvement ends on (optional)"),
        null=True,
        blank=True,
        help_text=_("Leave empty if no end is set yet."),
    )
    travel_expenses = models.BooleanField(_("Travel expenses are paid"), default=True)
    care_expenses = models.BooleanField(
        _("Care expenses are paid (for example someone to look after a child)"), default=True
    )
    notes = models.TextField(
        _("Anything else members should know (optional)"), max_length=2000, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Payment policy of {self.project_id}"

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Activity(models.Model):
    """A kind of activity the policy pays for, per hour or per session."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meetings and workshops")
        PREPARATION = "preparation", _("Preparation")
        REVIEWING = "reviewing", _("Reviewing documents")
        CO_FACILITATING = "co_facilitating", _("Co-facilitating")
        OTHER = "other", _("Other")

    class Unit(models.TextChoices):
        HOUR = "hour", _("per hour")
        SESSION = "session", _("per session")

    policy = models.ForeignKey(PaymentPolicy, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("Activity"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("Name"), max_length=120)
    unit = models.CharField(_("Paid"), max_length=10, choices=Unit.choices)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "name"], name="one_activity_per_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    """One version of an activity's rate, from the day it takes effect. Never changed."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="rates")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(ZERO)])
    effective_from = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["activity", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "effective_from"], name="one_rate_per_activity_and_day"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_not_negative"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="rates_are_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"£{self.amount} from {self.effective_from}"


class Choice(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    VOUCHER = "voucher", _("Vouchers")
    NONE = "none", _("No payment (recognition only)")


class PaymentChoice(models.Model):
    """A member's choice for one project, changeable at any time. Private to them and the
    facilitators."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(_("How would you like to be paid?"), max_length=10, choices=Choice)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_payment_choice")
        ]

    def __str__(self) -> str:
        return f"Payment choice of {self.user_id}"


class Claim(models.Model):
    """Time or an expense a member claims. Attendance at a meeting makes one by itself."""

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", _("Meeting attended")
        TIME = "time", _("Time")
        TRAVEL = "travel", _("Travel expenses")
        CARE = "care", _("Care expenses")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for a facilitator")
        APPROVED = "approved", _("Approved")
        QUERIED = "queried", _("Queried")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, null=True, blank=True, related_name="claim"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, null=True, blank=True)
    rate = models.ForeignKey(Rate, on_delete=models.PROTECT, null=True, blank=True)
    quantity = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Hours or sessions."
    )
    amount = models.DecimalField(**MONEY)
    on = models.DateField()
    description = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    review_reason = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="attendance") | Q(attendance__isnull=False),
                name="attendance_claims_name_the_attendance",
            ),
        ]
        indexes = [models.Index(fields=["project", "claimant", "on"], name="claim_ledger")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}: £{self.amount}"


def tax_year_of(day: dt.date) -> int:
    """The UK tax year a day falls in, named by the year it starts (6 April to 5 April)."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def tax_year_label(start_year: int) -> str:
    return f"6 April {start_year} to 5 April {start_year + 1}"
