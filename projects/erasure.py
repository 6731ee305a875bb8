"""What erasing a person's account does to their projects: they leave each one, and
invitations stop holding their address.

Called by the site layer's `account_erase`, inside its transaction, after
`participants.services.user_erase` has renamed the person "Former member N".
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import record
from participants.models import User
from projects import permissions
from projects.models import Invitation, Membership, ProjectRoleGroup


def memberships_end_for_erased(*, person: User) -> list[Membership]:
    """End every current membership of an erased person, each recorded in its project's
    trail as the person leaving, under the name they have now ("Former member N").

    Unlike leaving by choice, the last facilitator leaves too: an erasure cannot be
    refused. The project then needs an administrator to add a facilitator.
    """
    if not person.is_erased:
        raise ValueError("Only an erased account leaves its projects this way.")
    with transaction.atomic():
        ended = list(
            Membership.objects.select_for_update()
            .filter(user=person, left_at__isnull=True)
            .order_by("project_id")
        )
        groups = {
            (row.project_id, row.role): row.group
            for row in ProjectRoleGroup.objects.select_related("group").filter(
                project_id__in=[membership.project_id for membership in ended]
            )
        }
        now = timezone.now()
        for membership in ended:
            membership.left_at = now
            membership.save(update_fields=["left_at"])
            group = groups.get((membership.project_id, membership.role))
            if group is not None:
                person.groups.remove(group)
            record(
                action="membership.left",
                actor=person,
                project_id=membership.project_id,
                target=membership,
                details={
                    "role": membership.role,
                    "person": person.display_name,
                    "reason": "account_erased",
                },
            )
        permissions.forget_project_rights(person)
    return ended


def invitations_forget_address(*, email: str, placeholder: str) -> int:
    """Invitations sent to an erased person's address keep the placeholder instead."""
    return Invitation.objects.filter(email__iexact=email).update(email=placeholder)
