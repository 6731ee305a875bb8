"""Reads about payments, each for the one person allowed to see them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Value, When

from participants.models import User
from payments.models import (
    ZERO,
    Activity,
    Claim,
    PaymentChoice,
    PaymentPolicy,
    tax_year_label,
    tax_year_of,
)
from projects.models import Project


@dataclass(frozen=True)
class TaxYear:
    start: int
    approved: Decimal
    pending: Decimal

    @property
    def label(self) -> str:
        return tax_year_label(self.start)


@dataclass(frozen=True)
class Ledger:
    claims: list[Claim]
    years: list[TaxYear]

    @property
    def approved_total(self) -> Decimal:
        return sum((year.approved for year in self.years), ZERO)


def ledger(user: User, project: Project) -> Ledger:
    """One person's claims in a project, newest first, and the totals of each UK tax year
    (6 April to 5 April), exact. One query."""
    claims = list(Claim.objects.filter(project=project, claimant=user).order_by("-on", "-pk"))
    approved: dict[int, Decimal] = defaultdict(lambda: ZERO)
    pending: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for claim in claims:
        year = tax_year_of(claim.on)
        if claim.status == Claim.Status.APPROVED:
            approved[year] += claim.amount
        else:
            pending[year] += claim.amount
    years = [
        TaxYear(start=year, approved=approved[year], pending=pending[year])
        for year in sorted(set(approved) | set(pending), reverse=True)
    ]
    return Ledger(claims=claims, years=years)


def policy_with_rates(project: Project) -> PaymentPolicy | None:
    """The project's policy with its activities and every version of their rates."""
    policy = PaymentPolicy.objects.filter(project=project).first()
    if policy is not None:
        policy.activity_list = list(
            Activity.objects.filter(policy=policy)
            .prefetch_related("rates")
            .order_by("kind", "name")
        )
    return policy


def own_choice(user: User, project: Project) -> str:
    return (
        PaymentChoice.objects.filter(project=project, user=user)
        .values_list("choice", flat=True)
        .first()
        or ""
    )


def claims_to_review(project: Project) -> list[Claim]:
    """Every claim of the project, those waiting first (facilitators only)."""
    return list(
        Claim.objects.filter(project=project)
        .select_related("claimant", "reviewed_by")
        .annotate(
            waiting=Case(
                When(status=Claim.Status.SUBMITTED, then=Value(0)),
                When(status=Claim.Status.QUERIED, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("waiting", "-on", "-pk")
    )
