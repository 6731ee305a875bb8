"""The demo's involvement payments (called from `seed_demo`): a policy whose meeting rate
has two versions, members who chose payment, vouchers and no payment, and claims in
each state (waiting, approved, queried). Made through the services. Safe to run again:
a project with a policy already is left as it is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from meetings.models import Meeting
from payments import services
from payments.models import PaymentPolicy
from projects.models import Membership, Project, Role


def add_demo_payments(project: Project, held: Meeting | None) -> None:
    if PaymentPolicy.objects.filter(project=project).exists():
        return
    memberships = Membership.objects.filter(project=project, left_at__isnull=True).select_related(
        "user"
    )
    facilitator = next(m.user for m in memberships if m.role == Role.FACILITATOR)
    # The member with lived experience is paid, the carer takes vouchers, the clinician
    # (whose time is paid by their job) chose no payment.
    by_group = {m.constituency: m.user for m in memberships if m.role == Role.MEMBER}
    chosen = {"lived_experience": "payment", "carer": "voucher", "clinician": "none"}
    today = timezone.localdate()
    began = today - dt.timedelta(days=120)
    services.policy_set(
        actor=facilitator,
        project=project,
        starts_on=began,
        travel_expenses=True,
        care_expenses=True,
        notes="Keep receipts for taxis and for care. Finance pays within 30 days of approval.",
    )
    meetings = services.activity_add(
        actor=facilitator,
        project=project,
        kind="meeting",
        name="Meetings and workshops",
        unit="hour",
        amount="25.00",
        effective_from=began,
    )
    # Rates went up (as NIHR's did): a new version from a month ago, the old one kept.
    services.rate_set(
        actor=facilitator,
        activity=meetings,
        amount="27.50",
        effective_from=today - dt.timedelta(days=30),
    )
    reviewing = services.activity_add(
        actor=facilitator,
        project=project,
        kind="reviewing",
        name="Reviewing documents",
        unit="session",
        amount="30.00",
        effective_from=began,
    )
    for group, choice in chosen.items():
        if group in by_group:
            services.payment_choice_set(actor=by_group[group], project=project, choice=choice)
    # The carer's attendance claim is left waiting for a facilitator.
    made = services.claims_for_attendance(actor=facilitator, meeting=held) if held else []
    payer = by_group.get("lived_experience")
    if payer is None:
        return
    first = next((claim for claim in made if claim.claimant_id == payer.pk), None)
    review = services.claim_make(
        actor=payer,
        project=project,
        kind="time",
        activity=reviewing,
        quantity="1",
        on=today - dt.timedelta(days=3),
        description="Read the draft call-back leaflet",
    )
    taxi = services.claim_make(
        actor=payer,
        project=project,
        kind="travel",
        amount="14.60",
        on=today - dt.timedelta(days=10),
        description="Taxi home after the listening workshop",
    )
    if first is not None:
        services.claim_approve(actor=facilitator, project=project, claim=first)
    services.claim_approve(actor=facilitator, project=project, claim=review)
    services.claim_query(
        actor=facilitator,
        project=project,
        claim=taxi,
        reason="Could you send a photo of the receipt? Then we can approve it.",
    )
