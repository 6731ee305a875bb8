"""Invitations by email: sending, withdrawing, and joining through one."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RuleError
from participants.models import User
from participants.notifications.services import notifications_withdraw
from projects import notify, permissions, selectors
from projects.models import Invitation, Membership, Project, Role
from projects.services._common import _deny_unless
from projects.services.memberships import _membership_start


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, actor: User, project: Project, email: str, role: str, suggested_constituency: str = ""
) -> tuple[Invitation, str]:
    """Invite someone by email; return the invitation and its secret token (for the link)."""
    _deny_unless(permissions.can_invite(actor, project))
    email = email.strip()
    if Membership.objects.filter(
        project=project, user__email__iexact=email, left_at__isnull=True
    ).exists():
        raise RuleError("This person is already in the project.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            project=project,
            email=email,
            role=role,
            suggested_constituency=suggested_constituency if role == Role.MEMBER else "",
            token_hash=_token_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=Invitation.VALID_FOR_DAYS),
        )
        record(
            action="invitation.sent",
            actor=actor,
            project_id=project.pk,
            target=invitation,
            details={"role": role},
        )
        invitee = _account_for_email(email)
        if invitee is not None:
            notify.invited_notify(invitation, invitee)
        else:
            from projects.tasks import invitation_email_send

            transaction.on_commit(lambda: invitation_email_send.delay(str(invitation.pk), token))
    return invitation, token


def _account_for_email(email: str) -> User | None:
    """The active account that owns this address (as its sign-in or a verified address)."""
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        address = (
            EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True)
            .select_related("user")
            .first()
        )
        user = address.user if address else None
    return user


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    _deny_unless(permissions.can_invite(actor, invitation.project))
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise RuleError("This invitation has already been accepted.")
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        invitee = _account_for_email(locked.email)
        if invitee is not None:
            notifications_withdraw(keys=[f"invited:{locked.pk}:{invitee.pk}"])
        record(
            action="invitation.revoked",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"role": locked.role},
        )
    return locked


def invitation_for_token(token: str) -> Invitation | None:
    """Find the invitation a link's token belongs to (any status), or None."""
    return (
        Invitation.objects.select_related("project", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )


def invitation_problem(invitation: Invitation, user: User | None) -> str | None:
    """Say, kindly, why this invitation cannot be accepted by this person now, or None."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn by the project's facilitator."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask the facilitator to send you a new one."
    if invitation.project.status != Project.Status.ACTIVE:
        return "This project is no longer taking new people."
    if (
        user is not None
        and user.is_authenticated
        and not selectors.owns_email(user, invitation.email)
    ):
        return "wrong_account"
    return None


def invitation_accept(
    *,
    actor: User,
    token: str = "",
    invitation_id: object = None,
    constituency: str = "",
    show_constituency: bool = False,
    declaration_of_interests: str = "",
    accepts_ground_rules: bool,
) -> Membership:
    """Join the project through an invitation: single use, for the invited account only.

    The invitation is found by the link's token, or by its id for a person signed in
    with the address it was sent to (from their home page or notifications).
    """
    if not accepts_ground_rules:
        raise RuleError("To join, read the ground rules and tick the box to accept them.")
    with transaction.atomic():
        found = (
            invitation_for_token(token)
            if token
            else Invitation.objects.filter(pk=invitation_id).first()
            if invitation_id
            else None
        )
        if found is None:
            raise RuleError("This invitation link is not valid.")
        invitation = (
            Invitation.objects.select_for_update().select_related("project").get(pk=found.pk)
        )
        problem = invitation_problem(invitation, actor)
        if problem == "wrong_account":
            raise RuleError(
                "This invitation was sent to a different email address than the one you are "
                "signed in with."
            )
        if problem:
            raise RuleError(problem)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = actor
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        notifications_withdraw(keys=[f"invited:{invitation.pk}:{actor.pk}"])
        record(
            action="invitation.accepted",
            actor=actor,
            project_id=invitation.project_id,
            target=invitation,
            details={"role": invitation.role},
        )
        membership = _membership_start(
            actor=actor,
            project=invitation.project,
            user=actor,
            role=invitation.role,
            constituency=constituency,
            show_constituency=show_constituency,
            declaration_of_interests=declaration_of_interests,
        )
    return membership
