"""Who may do what with involvement payments: one predicate per action.

Members (the right to take part) choose how they are paid and claim; facilitators
(configure) set the policy, review claims and export them for finance. A member's
choice and claims are seen by them and the facilitators only: never by other
members, nor by observers or sponsors, on the payment pages or in the audit trail (the
entries about claims and choices are for facilitators only: see
`coproduce.audit.events.Audience.FACILITATORS`).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from participants.models import User
from payments.models import Claim, PaymentPolicy
from projects.models import Project, ProjectRight
from projects.permissions import has_right, is_active

Person = User | AnonymousUser


def can_see_policy(user: Person, project: Project) -> bool:
    """The policy and its rates are the project's, not anyone's own: everyone in it."""
    return has_right(user, project, ProjectRight.VIEW)


def can_set_policy(user: Person, project: Project) -> bool:
    return is_active(project) and has_right(user, project, ProjectRight.CONFIGURE)


def can_choose_payment(user: Person, project: Project) -> bool:
    return has_right(user, project, ProjectRight.TAKE_PART)


def can_see_own_ledger(user: Person, project: Project) -> bool:
    return has_right(user, project, ProjectRight.TAKE_PART)


def can_claim(user: Person, project: Project, policy: PaymentPolicy | None) -> bool:
    return (
        is_active(project)
        and policy is not None
        and has_right(user, project, ProjectRight.TAKE_PART)
    )


def can_review_claims(user: Person, project: Project) -> bool:
    return has_right(user, project, ProjectRight.CONFIGURE)


def can_review_claim(user: Person, project: Project, claim: Claim) -> bool:
    """Approve or query: a facilitator, until the claim is approved (then it is final)."""
    return (
        has_right(user, project, ProjectRight.CONFIGURE)
        and claim.project_id == project.pk
        and claim.status != Claim.Status.APPROVED
    )


def can_export_claims(user: Person, project: Project) -> bool:
    return has_right(user, project, ProjectRight.CONFIGURE)
