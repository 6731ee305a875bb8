"""Involvement payments as files: the approved claims for finance, and a member's own
statement (CSV, each cell formula-safe through `coproduce.text.spreadsheet_text`)."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.text import spreadsheet_text
from participants.models import User
from payments import permissions
from payments.models import ZERO, Choice, Claim, PaymentChoice, tax_year_label, tax_year_of
from payments.selectors import ledger
from payments.services.writes import _deny
from projects.models import Project


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a quote."""
    return spreadsheet_text("" if value is None else str(value))


def _csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def claims_export(*, actor: User, project: Project) -> str:
    """The approved claims, for finance, as CSV (formula-safe). No bank details are kept."""
    _deny(permissions.can_export_claims(actor, project))
    claims = list(
        Claim.objects.filter(project=project, status=Claim.Status.APPROVED)
        .select_related("claimant", "reviewed_by")
        .order_by("on", "pk")
    )
    choices = dict(PaymentChoice.objects.filter(project=project).values_list("user_id", "choice"))
    rows: list[list[object]] = [
        [
            "Claim",
            "Name",
            "Email",
            "Paid as",
            "Date",
            "Tax year",
            "What for",
            "Description",
            "Amount (GBP)",
            "Approved by",
            "Approved on",
        ]
    ]
    for claim in claims:
        person = claim.claimant
        rows.append(
            [
                claim.pk,
                person.get_full_name(),
                person.email,
                Choice(choices[person.pk]).label if person.pk in choices else "Not chosen yet",
                claim.on.isoformat(),
                tax_year_label(tax_year_of(claim.on)),
                claim.get_kind_display(),
                claim.description,
                f"{claim.amount:.2f}",
                str(claim.reviewed_by) if claim.reviewed_by else "",
                timezone.localtime(claim.reviewed_at).date().isoformat()
                if claim.reviewed_at
                else "",
            ]
        )
    with transaction.atomic():
        record(
            action="payments.claims_exported",
            actor=actor,
            project_id=project.pk,
            details={"claims": len(claims), "total": sum((c.amount for c in claims), ZERO)},
        )
    return _csv(rows)


def statement_csv(*, actor: User, project: Project) -> str:
    """A member's own statement: every claim of theirs, its status, totals per tax year."""
    _deny(permissions.can_see_own_ledger(actor, project))
    found = ledger(actor, project)
    rows: list[list[object]] = [
        ["Date", "What for", "Description", "Amount (GBP)", "Status", "Facilitator's note"]
    ]
    for claim in found.claims:
        rows.append(
            [
                claim.on.isoformat(),
                claim.get_kind_display(),
                claim.description,
                f"{claim.amount:.2f}",
                claim.get_status_display(),
                claim.review_reason,
            ]
        )
    rows.append([])
    rows.append(["Tax year", "Approved (GBP)", "Waiting or queried (GBP)"])
    for year in found.years:
        rows.append([year.label, f"{year.approved:.2f}", f"{year.pending:.2f}"])
    return _csv(rows)
