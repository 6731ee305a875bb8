"""Starting and ending memberships: a person joins or leaves a role group."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RuleError
from participants.models import User
from projects import permissions
from projects.models import Membership, Project, ProjectRoleGroup, Role
from projects.services._common import _deny_unless


def _role_group(project: Project, role: str) -> Group:
    return ProjectRoleGroup.objects.select_related("group").get(project=project, role=role).group


def _membership_start(
    *,
    actor: User,
    project: Project,
    user: User,
    role: str,
    constituency: str = "",
    show_constituency: bool = False,
    declaration_of_interests: str = "",
) -> Membership:
    """Put a person in the project with a role (and, for members, their group)."""
    if role == Role.MEMBER and not constituency:
        raise RuleError("Choose which group you are in.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                project=project,
                user=user,
                role=role,
                constituency=constituency if role == Role.MEMBER else "",
                show_constituency=show_constituency if role == Role.MEMBER else False,
                declaration_of_interests=declaration_of_interests,
            )
    except IntegrityError:
        raise RuleError("You are already in this project.") from None
    user.groups.add(_role_group(project, role))
    permissions.forget_project_rights(user)
    record(
        action="membership.started",
        actor=actor,
        project_id=project.pk,
        target=membership,
        details={"role": role, "person": user.display_name},
    )
    return membership


def membership_paid_staff_set(
    *, actor: User, membership: Membership, paid_staff: bool
) -> Membership:
    """A facilitator marks a member as taking part in their paid job (a clinician, say),
    or not. Paid staff do not claim involvement payments; their attendance still counts."""
    _deny_unless(permissions.can_configure_project(actor, membership.project))
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("project", "user")
            .get(pk=membership.pk)
        )
        if locked.left_at is not None or locked.role != Role.MEMBER:
            raise RuleError("Only a current member can be marked as taking part in their paid job.")
        if locked.paid_staff == paid_staff:
            return locked
        locked.paid_staff = paid_staff
        locked.save(update_fields=["paid_staff"])
        record(
            action="membership.paid_staff_set",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"paid_staff": paid_staff, "person": locked.user.display_name},
        )
    return locked


def membership_end(*, actor: User, membership: Membership) -> Membership:
    """End a membership: the person leaves (or a facilitator removes them).

    What they wrote stays, shown under their display name.
    """
    leaving_themselves = actor.pk == membership.user_id
    if not leaving_themselves:
        _deny_unless(permissions.can_configure_project(actor, membership.project))
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("project", "user")
            .get(pk=membership.pk)
        )
        if locked.left_at is not None:
            return locked
        if locked.role == Role.FACILITATOR:
            others = Membership.objects.filter(
                project_id=locked.project_id, role=Role.FACILITATOR, left_at__isnull=True
            ).exclude(pk=locked.pk)
            if not others.exists():
                raise RuleError(
                    "A project needs at least one facilitator. Invite another facilitator first."
                )
        locked.left_at = timezone.now()
        locked.save(update_fields=["left_at"])
        locked.user.groups.remove(_role_group(locked.project, locked.role))
        permissions.forget_project_rights(locked.user)
        record(
            action="membership.left" if leaving_themselves else "membership.removed",
            actor=actor,
            project_id=locked.project_id,
            target=locked,
            details={"role": locked.role, "person": locked.user.display_name},
        )
    return locked
