"""Keeping invitations' email addresses no longer than needed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Q

from coproduce.audit.record import record
from projects.models import Invitation


def invitation_addresses_forget(*, now: dt.datetime, after_days: int) -> dict[str, int]:
    """Remove the email address of invitations that expired or were withdrawn more than
    `after_days` ago (accepted ones name a member, whose address is on their account).

    Each project affected gets one trail event with the count. Returns the counts by
    project id. Running it twice does nothing more.
    """
    cutoff = now - dt.timedelta(days=after_days)
    stale = (
        Invitation.objects.filter(accepted_at__isnull=True)
        .exclude(email="")
        .filter(Q(revoked_at__lt=cutoff) | Q(revoked_at__isnull=True, expires_at__lt=cutoff))
    )
    with transaction.atomic():
        rows = list(stale.select_for_update().values_list("pk", "project_id"))
        Invitation.objects.filter(pk__in=[pk for pk, _project in rows]).update(email="")
        counts = Counter(str(project_id) for _pk, project_id in rows)
        for project_id, count in sorted(counts.items()):
            record(
                action="retention.invitation_addresses_removed",
                actor=None,
                project_id=project_id,
                details={"count": count, "after_days": after_days},
            )
    return dict(counts)
