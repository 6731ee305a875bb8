"""Every write about involvement payments but the files: one transaction each, audited.

Money is exact (`Decimal`, two places). A member's payment choice never goes in the
trail (only that they chose). What is about one person's payments (their choice, claims,
amounts, reviews, the finance export) is an entry only facilitators see
(`Audience.FACILITATORS`): never observers, sponsors or other members. Attendance makes
its claims in one entry, however many it made (none included), so someone who sees only
where hidden entries are cannot count the claims a meeting made against who came.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.audit.record import record
from coproduce.errors import RightsError, RuleError
from meetings import permissions as meeting_permissions
from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from participants.models import User
from participants.notifications.models import Kind
from participants.notifications.services import notify
from payments import permissions
from payments.models import (
    ZERO,
    Activity,
    Choice,
    Claim,
    PaymentChoice,
    PaymentPolicy,
    Rate,
)
from payments.selectors import own_choice
from projects.models import Project, Role

PENNY = Decimal("0.01")
MOST_QUANTITY = Decimal("100")
ACTIVITY_NAME_TAKEN = "There is already an activity with that name. Choose another name."
RATE_DAY_TAKEN = (
    "There is already a rate from that day. Rates are never changed: choose another day "
    "for the new rate."
)


def _deny(allowed: bool) -> None:
    if not allowed:
        raise RightsError("You cannot do this in this project.")


def money(value: object, *, field: str | None = "amount") -> Decimal:
    """An amount of money in pounds, exact to the penny, or a RuleError said kindly (about
    the form's `field`)."""

    def refuse(message: str) -> RuleError:
        return RuleError(message, field=field)

    try:
        amount = Decimal(str(value).strip().lstrip("£"))
    except (InvalidOperation, ValueError):
        raise refuse("Enter an amount in pounds and pence, like 25.50.") from None
    if not amount.is_finite():
        raise refuse("Enter an amount in pounds and pence, like 25.50.")
    if amount < 0:
        raise refuse("Enter an amount of £0 or more: an amount cannot be negative.")
    if amount.as_tuple().exponent < -2:
        raise refuse(
            "Enter pounds and pence with no more than two numbers after the point, like 25.50."
        )
    if amount >= Decimal("100000000"):
        raise refuse("Enter an amount under £100,000,000.")
    return amount.quantize(PENNY)


def _quantity(value: object) -> Decimal:
    message = "Enter how many hours or sessions, like 2 or 1.5."
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RuleError(message, field="quantity") from None
    if not quantity.is_finite() or quantity <= 0 or quantity > MOST_QUANTITY:
        raise RuleError(
            "Enter how many hours or sessions: more than 0 and at most 100.", field="quantity"
        )
    if quantity.as_tuple().exponent < -2:
        raise RuleError(
            "Enter hours or sessions with no more than two numbers after the point.",
            field="quantity",
        )
    return quantity.quantize(PENNY)


def rate_in_force(activity: Activity, day: dt.date) -> Rate | None:
    """The activity's rate on that day: the newest version in effect by then."""
    return (
        Rate.objects.filter(activity=activity, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


def meeting_day(meeting: Meeting) -> dt.date:
    """The day a meeting happened, in UK time (the rates' days are UK days)."""
    return timezone.localtime(meeting.starts_at, timezone.get_default_timezone()).date()


def _policy(project: Project) -> PaymentPolicy | None:
    return PaymentPolicy.objects.filter(project=project).first()


# --- The policy ----------------------------------------------------------------------


def policy_set(
    *,
    actor: User,
    project: Project,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    travel_expenses: bool = True,
    care_expenses: bool = True,
    notes: str = "",
) -> PaymentPolicy:
    """Set (or change) the project's payment policy. Claims already made stay within it."""
    _deny(permissions.can_set_policy(actor, project))
    if ends_on is not None and ends_on < starts_on:
        raise RuleError("The end date must be on or after the start date.", field="ends_on")
    with transaction.atomic():
        policy = PaymentPolicy.objects.select_for_update().filter(project=project).first()
        outside = Claim.objects.filter(project=project).filter(on__lt=starts_on)
        if ends_on is not None:
            outside = Claim.objects.filter(project=project).exclude(
                on__gte=starts_on, on__lte=ends_on
            )
        if outside.exists():
            raise RuleError(
                "Some claims are for days outside these dates. Choose dates that include them."
            )
        values = {
            "starts_on": starts_on,
            "ends_on": ends_on,
            "travel_expenses": travel_expenses,
            "care_expenses": care_expenses,
            "notes": notes,
            "updated_at": timezone.now(),
        }
        created = False
        if policy is None:
            try:
                with transaction.atomic():
                    policy = PaymentPolicy.objects.create(project=project, **values)
                created = True
            except IntegrityError:
                # Another request made the policy in the same moment (each saw none): this
                # one changes it, as it would have a moment later. Never a 500.
                policy = PaymentPolicy.objects.select_for_update().get(project=project)
        if not created:
            for name, value in values.items():
                setattr(policy, name, value)
            policy.save()
        record(
            action="payments.policy_set",
            actor=actor,
            project_id=project.pk,
            target=policy,
            details={
                "starts_on": starts_on,
                "ends_on": ends_on,
                "travel_expenses": travel_expenses,
                "care_expenses": care_expenses,
            },
        )
    return policy


def activity_add(
    *,
    actor: User,
    project: Project,
    kind: str,
    name: str,
    unit: str,
    amount: object,
    effective_from: dt.date,
) -> Activity:
    """Add a paid activity to the policy, with its first rate."""
    _deny(permissions.can_set_policy(actor, project))
    amount = money(amount)
    if kind not in Activity.Kind.values or unit not in Activity.Unit.values:
        raise RuleError("Choose the kind of activity and whether it is paid by hour or session.")
    policy = _policy(project)
    if policy is None:
        raise RuleError("Set the policy's dates first.")
    with transaction.atomic():
        if Activity.objects.filter(policy=policy, name=name).exists():
            raise RuleError(ACTIVITY_NAME_TAKEN, field="name")
        try:
            with transaction.atomic():
                activity = Activity.objects.create(policy=policy, kind=kind, name=name, unit=unit)
        except IntegrityError:
            # Added by another request in the same moment (the database keeps names unique).
            raise RuleError(ACTIVITY_NAME_TAKEN, field="name") from None
        rate = Rate.objects.create(
            activity=activity, amount=amount, effective_from=effective_from, set_by=actor
        )
        record(
            action="payments.activity_added",
            actor=actor,
            project_id=project.pk,
            target=activity,
            details={"kind": kind, "unit": unit, "amount": amount, "from": rate.effective_from},
        )
    return activity


def rate_set(*, actor: User, activity: Activity, amount: object, effective_from: dt.date) -> Rate:
    """A new version of an activity's rate, from a day on. The old versions stay."""
    project = activity.policy.project
    _deny(permissions.can_set_policy(actor, project))
    amount = money(amount)
    with transaction.atomic():
        if Rate.objects.filter(activity=activity, effective_from=effective_from).exists():
            raise RuleError(RATE_DAY_TAKEN, field="effective_from")
        try:
            with transaction.atomic():
                rate = Rate.objects.create(
                    activity=activity, amount=amount, effective_from=effective_from, set_by=actor
                )
        except IntegrityError:
            # Set by another request in the same moment (one rate per activity and day).
            raise RuleError(RATE_DAY_TAKEN, field="effective_from") from None
        record(
            action="payments.rate_set",
            actor=actor,
            project_id=project.pk,
            target=rate,
            details={"activity": activity.pk, "amount": amount, "from": effective_from},
        )
    return rate


# --- A member's choice ------------------------------------------------------------------


def payment_choice_set(*, actor: User, project: Project, choice: str) -> PaymentChoice:
    """Payment, vouchers or no payment: the member's own choice, changeable at any time."""
    _deny(permissions.can_choose_payment(actor, project))
    if choice not in Choice.values:
        raise RuleError("Choose payment, vouchers or no payment.")
    with transaction.atomic():
        row, created = PaymentChoice.objects.select_for_update().get_or_create(
            project=project, user=actor, defaults={"choice": choice}
        )
        if not created:
            if row.choice == choice:
                return row
            row.choice, row.updated_at = choice, timezone.now()
            row.save(update_fields=["choice", "updated_at"])
        # Never the choice itself: only that someone made one.
        record(action="payments.choice_made", actor=actor, project_id=project.pk)
    return row


# --- Claims -----------------------------------------------------------------------------


def _meeting_activity(policy: PaymentPolicy) -> Activity | None:
    return policy.activities.filter(kind=Activity.Kind.MEETING).order_by("name", "pk").first()


def _meeting_terms(meeting: Meeting, policy: PaymentPolicy) -> tuple[Activity, Rate] | RuleError:
    """The activity and the rate a meeting's attendance is paid at, or why it is not paid:
    the same for everyone who came, so read once per meeting."""
    day = meeting_day(meeting)
    if not policy.covers(day):
        return RuleError("That meeting's date is outside the payment policy.", field="meeting")
    activity = _meeting_activity(policy)
    rate = rate_in_force(activity, day) if activity is not None else None
    if activity is None or rate is None:
        return RuleError(
            "The payment policy has no rate for meetings on that day.", field="meeting"
        )
    return activity, rate


def _attendance_claim(
    attendance: Attendance, meeting: Meeting, terms: tuple[Activity, Rate]
) -> Claim:
    """The claim an attendance earns, unsaved. Paid by the hour, the amount comes from the
    meeting's exact length (the hours shown are rounded to two places; the money is not
    worked out from the rounded hours)."""
    activity, rate = terms
    if activity.unit == Activity.Unit.HOUR:
        seconds = Decimal(int((meeting.ends_at - meeting.starts_at).total_seconds()))
        quantity = (seconds / Decimal(3600)).quantize(PENNY, rounding=ROUND_HALF_UP)
        exact = rate.amount * seconds / Decimal(3600)
    else:
        quantity, exact = Decimal("1.00"), rate.amount
    return Claim(
        project_id=meeting.project_id,
        claimant_id=attendance.user_id,
        kind=Claim.Kind.ATTENDANCE,
        attendance=attendance,
        activity=activity,
        rate=rate,
        quantity=quantity,
        amount=exact.quantize(PENNY, rounding=ROUND_HALF_UP),
        on=meeting_day(meeting),
        description=meeting.title[:300],
    )


def claims_for_attendance(*, actor: User | None, meeting: Meeting) -> list[Claim]:
    """Make the claim each member who came has earned, at the rate in force that day.

    Idempotent: an attendance has at most one claim (a unique key), so running this
    again makes none twice. Nobody who chose no payment, no member marked as taking part
    in their paid job, and no staff (only members take part for payment), gets one.

    One audit entry (facilitators only) lists the claims made, and is written every time,
    even when none was: the trail never shows how many claims a meeting made.
    """
    if actor is not None:
        _deny(meeting_permissions.can_record_attendance(actor, meeting))
    policy = _policy(meeting.project)
    if policy is None:
        return []
    made = []
    with transaction.atomic():
        declined = set(
            PaymentChoice.objects.filter(
                project_id=meeting.project_id, choice=Choice.NONE
            ).values_list("user_id", flat=True)
        )
        # Members only, and not those who take part in their paid job.
        members = set(
            meeting.project.memberships.filter(
                role=Role.MEMBER, left_at__isnull=True, paid_staff=False
            ).values_list("user_id", flat=True)
        )
        terms = _meeting_terms(meeting, policy)
        waiting = Attendance.objects.filter(meeting=meeting, claim__isnull=True).order_by("pk")
        if isinstance(terms, RuleError):
            waiting = waiting.none()  # not paid: the meeting's day has no rate
        for attendance in waiting:
            if attendance.user_id in declined or attendance.user_id not in members:
                continue
            claim = _attendance_claim(attendance, meeting, terms)
            try:
                with transaction.atomic():
                    claim.save(force_insert=True)
            except IntegrityError:
                continue  # made meanwhile by another request: one claim per attendance
            made.append(claim)
        record(
            action="payments.attendance_claims_made",
            actor=actor,
            project_id=meeting.project_id,
            target=meeting,
            details={
                "count": len(made),
                "claims": [claim.pk for claim in made],
                "total": sum((claim.amount for claim in made), ZERO),
            },
        )
    return made


def attendance_record_with_claims(
    *, actor: User, meeting: Meeting, present: dict[int, str]
) -> list[Claim]:
    """Record who came to a meeting and make the claims their attendance earns, together."""
    with transaction.atomic():
        meeting_services.attendance_record(actor=actor, meeting=meeting, present=present)
        return claims_for_attendance(actor=actor, meeting=meeting)


# What each kind of claim needs, and what to say when it is missing: the service refuses
# the first one missing; the claim form shows every one missing at once.
_THE_DAY = "Enter the day, for example 3 March 2027."
_HOW_MUCH = "Enter how much you spent, like 12.40."
CLAIM_NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    Claim.Kind.ATTENDANCE: (("meeting", "Choose the meeting you came to."),),
    Claim.Kind.TIME: (
        ("activity", "Choose the activity you are claiming for."),
        ("quantity", "Enter how many hours or sessions, like 2 or 1.5."),
        ("on", _THE_DAY),
    ),
    Claim.Kind.TRAVEL: (("amount", _HOW_MUCH), ("on", _THE_DAY)),
    Claim.Kind.CARE: (("amount", _HOW_MUCH), ("on", _THE_DAY)),
}
ALREADY_CLAIMED = "You have already claimed for that meeting."


def claim_make(
    *,
    actor: User,
    project: Project,
    kind: str,
    on: dt.date | None,
    description: str,
    activity: Activity | None = None,
    quantity: object = None,
    amount: object = None,
    meeting: Meeting | None = None,
) -> Claim:
    """A member claims time for an activity, an expense, or a meeting they came to. Each
    refusal names the field of the claim form it is about."""
    policy = _policy(project)
    _deny(permissions.can_claim(actor, project, policy))
    if project.memberships.filter(user=actor, left_at__isnull=True, paid_staff=True).exists():
        raise RuleError(
            "You take part in this project as part of your paid job, so you do not claim "
            "involvement payments. Your attendance at meetings is still recorded."
        )
    if kind not in CLAIM_NEEDS:
        raise RuleError("Choose what you are claiming for.", field="kind")
    given = {"meeting": meeting, "activity": activity, "quantity": quantity, "amount": amount}
    for name, message in CLAIM_NEEDS[kind]:
        if (on if name == "on" else given[name]) in (None, ""):
            raise RuleError(message, field=name)
    description = (description or "").strip()
    if not description:
        raise RuleError(
            "Say what the claim is for, for example 'Bus to the hospital and back'.",
            field="description",
        )
    day_field = "on"
    if kind == Claim.Kind.ATTENDANCE:
        if meeting.project_id != project.pk:
            raise RuleError("Choose the meeting you came to.", field="meeting")
        on, day_field = meeting_day(meeting), "meeting"
    if on > timezone.localdate():
        raise RuleError(
            "You can claim only for something that has already happened.", field=day_field
        )
    if not policy.covers(on):
        ends = f" to {policy.ends_on:%-d %B %Y}" if policy.ends_on else " onwards"
        raise RuleError(
            f"That date is outside the payment policy, which covers "
            f"{policy.starts_on:%-d %B %Y}{ends}.",
            field=day_field,
        )
    declined = own_choice(actor, project) == Choice.NONE
    if kind in (Claim.Kind.ATTENDANCE, Claim.Kind.TIME) and declined:
        raise RuleError(
            "You chose no payment for this project. To claim for your time, change your "
            "choice first (expenses can still be claimed).",
            field="kind",
        )
    with transaction.atomic():
        if kind == Claim.Kind.ATTENDANCE:
            attendance = Attendance.objects.filter(meeting=meeting, user=actor).first()
            if attendance is None:
                raise RuleError(
                    "Our records do not show you at that meeting. If you were there, ask a "
                    "facilitator to add you to its attendance.",
                    field="meeting",
                )
            if Claim.objects.filter(attendance=attendance).exists():
                raise RuleError(ALREADY_CLAIMED, field="meeting")
            terms = _meeting_terms(meeting, policy)
            if isinstance(terms, RuleError):
                raise terms
            claim = _attendance_claim(attendance, meeting, terms)
        elif kind == Claim.Kind.TIME:
            if activity.policy_id != policy.pk:
                raise RuleError("Choose the activity you are claiming for.", field="activity")
            quantity = _quantity(quantity)
            rate = rate_in_force(activity, on)
            if rate is None:
                raise RuleError(
                    "The payment policy has no rate for that activity on that day.", field="on"
                )
            claim = Claim(
                kind=kind,
                activity=activity,
                rate=rate,
                quantity=quantity,
                amount=(rate.amount * quantity).quantize(PENNY, rounding=ROUND_HALF_UP),
            )
        else:
            allowed = policy.travel_expenses if kind == Claim.Kind.TRAVEL else policy.care_expenses
            if not allowed:
                raise RuleError(
                    "This project's payment policy does not pay that kind of expense.",
                    field="kind",
                )
            value = money(amount)
            if value == ZERO:
                raise RuleError("Enter how much you spent, more than £0.", field="amount")
            claim = Claim(kind=kind, amount=value)
        claim.project, claim.claimant, claim.on = project, actor, on
        claim.description = description[:300]
        try:
            with transaction.atomic():
                claim.save(force_insert=True)
        except IntegrityError:
            raise RuleError(ALREADY_CLAIMED, field="meeting") from None
        record(
            action="payments.claim_made",
            actor=actor,
            project_id=project.pk,
            target=claim,
            details={"kind": claim.kind, "amount": claim.amount, "on": claim.on},
        )
    return claim


def _review(*, actor: User, project: Project, claim: Claim, status: str, reason: str) -> Claim:
    _deny(permissions.can_review_claim(actor, project, claim))
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk, project=project)
        if locked.status == Claim.Status.APPROVED:
            raise RuleError("This claim is already approved.")
        locked.status, locked.review_reason = status, reason.strip()[:500]
        locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
        locked.save(update_fields=["status", "review_reason", "reviewed_by", "reviewed_at"])
        approved = status == Claim.Status.APPROVED
        record(
            action="payments.claim_approved" if approved else "payments.claim_queried",
            actor=actor,
            project_id=project.pk,
            target=locked,
            details={"amount": locked.amount, "kind": locked.kind},
        )
        notify(
            recipients=[locked.claimant],
            kind=Kind.CLAIM_REVIEWED,
            key=f"claim_reviewed:{locked.pk}:{status}:{int(locked.reviewed_at.timestamp())}",
            subject=_("Your claim is approved")
            if approved
            else _("A facilitator has a question about your claim"),
            body=(
                _("Your claim for £%(amount)s (%(description)s) is approved.")
                if approved
                else _(
                    "A facilitator has a question about your claim for £%(amount)s "
                    "(%(description)s)."
                )
            )
            % {"amount": locked.amount, "description": locked.description}
            + (
                " " + _("The reason they gave: %(reason)s") % {"reason": locked.review_reason}
                if locked.review_reason
                else ""
            ),
            link=reverse("payments:ledger", kwargs={"project_id": project.pk}),
        )
    return locked


def claim_approve(*, actor: User, project: Project, claim: Claim, reason: str = "") -> Claim:
    return _review(
        actor=actor, project=project, claim=claim, status=Claim.Status.APPROVED, reason=reason
    )


def claim_query(*, actor: User, project: Project, claim: Claim, reason: str) -> Claim:
    """Ask the member about a claim; the reason is required (they see it)."""
    if not reason.strip():
        raise RuleError(
            "Say what you want to ask about this claim: the member sees it.", field="reason"
        )
    return _review(
        actor=actor, project=project, claim=claim, status=Claim.Status.QUERIED, reason=reason
    )
