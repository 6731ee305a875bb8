"""Making a co-production report: rendered once, kept as it was made, in the trail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.audit.verify import chain_head
from coproduce.errors import RightsError
from evidence import permissions
from evidence.models import Report
from evidence.report import render_report
from participants.models import User
from projects.models import Project


def report_make(*, actor: User, project: Project) -> Report:
    """Make and keep a report of the project as it stands, with the trail's head it saw."""
    if not permissions.can_make_report(actor, project):
        raise RightsError("You cannot do this in this project.")
    with transaction.atomic():
        made_at = timezone.now()
        head = str(chain_head(project.pk) or "")
        html, pdf = render_report(project, made_at=made_at, trail_head=head)
        report = Report.objects.create(
            project=project, made_by=actor, made_at=made_at, trail_head=head, html=html, pdf=pdf
        )
        record(
            action="report.made",
            actor=actor,
            project_id=project.pk,
            target=report,
            details={"trail_head": head},
        )
    return report
