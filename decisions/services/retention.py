"""Keeping who-voted rows (participation) no longer than needed once a project closes."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery

from coproduce.audit.models import AuditEvent
from coproduce.audit.record import record
from decisions.models import Participation
from projects.models import Project, Stage

CLOSED_STATUSES = (Project.Status.FINISHED, Project.Status.ARCHIVED)


def participations_delete_after_close(*, now: dt.datetime, after_days: int) -> dict[str, int]:
    """Delete the participation rows (who voted, never what) of projects that closed
    (finished or archived) more than `after_days` ago. The decision records keep the
    turnout, so no result changes.

    When a project closed is read from its trail (the event that set its status), so a
    project closed some other way keeps its rows. Stages still voting keep theirs. Each
    project affected gets one trail event with the count.
    """
    cutoff = now - dt.timedelta(days=after_days)
    closed_at = (
        AuditEvent.objects.filter(
            project_id=OuterRef("pk"),
            action="project.updated",
            details__status__1__in=list(CLOSED_STATUSES),
        )
        .values("project_id")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    projects = Project.objects.filter(status__in=CLOSED_STATUSES).annotate(
        closed_at=Subquery(closed_at)
    )
    due = [project.pk for project in projects if project.closed_at and project.closed_at < cutoff]
    counts: Counter[str] = Counter()
    with transaction.atomic():
        rows = (
            Participation.objects.filter(stage__project_id__in=due)
            .exclude(stage__state=Stage.State.VOTING)
            .select_for_update()
            .values_list("pk", "stage__project_id")
        )
        found = list(rows)
        Participation.objects.filter(pk__in=[pk for pk, _project in found]).delete()
        counts.update(str(project_id) for _pk, project_id in found)
        for project_id, count in sorted(counts.items()):
            record(
                action="retention.participation_deleted",
                actor=None,
                project_id=project_id,
                details={"count": count, "after_days": after_days},
            )
    return dict(counts)
