"""Making a co-production report: rendered once, kept as it was made, in the trail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.audit.record import lock_chain, record
from coproduce.audit.verify import chain_head
from coproduce.errors import RightsError
from evidence import permissions
from evidence.models import Report
from evidence.report import render_report
from participants.models import User
from projects.models import Project


def report_make(*, actor: User, project: Project) -> Report:
    """Make and keep a report of the project as it stands, with the trail's head it saw.

    The head is the trail's entry just before the report's own: every change the
    report shows is in the trail up to it, and nothing after it is in the report.
    Rendering takes a few seconds, so it is done first without holding the trail;
    then, holding it, the head is read again. If an entry landed meanwhile (some
    change the report may or may not show), the report is made again while the trail
    is held, so that what it shows and the head it names are of the same moment.
    """
    if not permissions.can_make_report(actor, project):
        raise RightsError("You cannot do this in this project.")
    made_at = timezone.now()
    head = str(chain_head(project.pk) or "")
    html, pdf = render_report(project, made_at=made_at, trail_head=head)
    with transaction.atomic():
        lock_chain(project.pk)
        now_head = str(chain_head(project.pk) or "")
        if now_head != head:
            made_at, head = timezone.now(), now_head
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
