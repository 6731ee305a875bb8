"""Writes about the audit trail: exports (and the event each one is) and chain checks.

Each service takes the acting person, checks the right, and writes in one
transaction; background work is queued only once that transaction has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.audit.models import AuditVerification
from coproduce.audit.record import record
from coproduce.audit.verify import (
    ChainResult,
    Head,
    known_chains,
    problem_in_words,
    verify_chain,
)
from decisions.models import DecisionRecord
from participants.models import User
from participants.notifications.models import Kind
from participants.notifications.services import notify
from projects import permissions
from projects.models import Project, Role
from trail import exports
from trail.models import AuditExport
from trail.selectors import TrailFilters, last_sequence

logger = logging.getLogger(__name__)

# Larger exports are written in the background; smaller ones stream straight away.
DEFAULT_STREAM_LIMIT = 5_000
# Longer chains are checked in the background (a million events take several seconds).
DEFAULT_VERIFY_IN_REQUEST_LIMIT = 100_000
EXPORT_AVAILABLE_FOR = timedelta(hours=24)


def stream_limit() -> int:
    return int(getattr(settings, "AUDIT_EXPORT_STREAM_LIMIT", DEFAULT_STREAM_LIMIT))


def verify_in_request_limit() -> int:
    return int(getattr(settings, "AUDIT_VERIFY_IN_REQUEST_LIMIT", DEFAULT_VERIFY_IN_REQUEST_LIMIT))


def exports_folder() -> Path:
    """Where export files wait for their download: private, outside the static files."""
    return Path(settings.VAR_DIR) / "exports"


def _deny(allowed: bool) -> None:
    if not allowed:
        raise PermissionError("You cannot do this in this project.")


# --- Exports ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """The answer to "export this": stream now (`job` None), or wait for `job`. A
    facilitator's export holds the entries only facilitators see; anyone else's does not."""

    up_to: int
    job: AuditExport | None
    with_facilitator_entries: bool = False


def trail_export(
    *, actor: User, project: Project, filters: TrailFilters, export_format: str
) -> ExportRequest:
    """Record the export in the trail, then either let it stream or queue it.

    The export covers the events up to this moment (`up_to`): not the event of the
    export itself, nor anything written while it runs.
    """
    _deny(permissions.can_read_audit_trail(actor, project))
    if export_format not in AuditExport.Format.values:
        raise ValueError(f"Unknown export format {export_format!r}.")
    whole = permissions.can_read_facilitator_entries(actor, project)
    with transaction.atomic():
        up_to = last_sequence(project.pk)
        rows = exports.count_rows(
            project, filters, up_to=up_to, limit=stream_limit(), with_facilitator_entries=whole
        )
        background = rows > stream_limit()
        job = None
        if background:
            now = timezone.now()
            job = AuditExport.objects.create(
                project_id=project.pk,
                requested_by=actor,
                filters={**filters.to_json(), "up_to": up_to},
                format=export_format,
                created_at=now,
                expires_at=now + EXPORT_AVAILABLE_FOR,
            )
        record(
            action="trail.exported",
            actor=actor,
            project_id=project.pk,
            target=project,
            details={
                "format": export_format,
                "filters": filters.to_json() if filters.active else {},
                "up_to": up_to,
                "background": background,
            },
        )
        if job is not None:
            from trail.tasks import audit_export_run

            job_id = str(job.pk)
            transaction.on_commit(lambda: audit_export_run.delay(job_id))
    return ExportRequest(up_to=up_to, job=job, with_facilitator_entries=whole)


def export_run(*, export_id: object) -> AuditExport | None:
    """Write an export's file (the background task). Running it twice does no harm."""
    with transaction.atomic():
        job = AuditExport.objects.select_for_update().filter(pk=export_id).first()
        if job is None or job.status not in (AuditExport.Status.QUEUED, AuditExport.Status.RUNNING):
            return job
        if job.expires_at <= timezone.now():
            job.status = AuditExport.Status.EXPIRED
            job.save(update_fields=["status"])
            return job
        project = Project.objects.filter(pk=job.project_id).first()
        if project is None:
            job.status = AuditExport.Status.FAILED
            job.save(update_fields=["status"])
            return job
        filters = TrailFilters.from_json(job.filters)
        up_to = int(job.filters.get("up_to") or 0)
        # The asker's rights now, not when they asked: someone who has stopped running
        # the project since does not get the entries only facilitators see.
        whole = permissions.can_read_facilitator_entries(job.requested_by, project)
        job.rows_total = exports.count_rows(
            project, filters, up_to=up_to, limit=10**12, with_facilitator_entries=whole
        )
        job.rows_done = 0
        job.status = AuditExport.Status.RUNNING
        job.file_name = f"{job.pk}.{exports.EXTENSIONS[job.format]}"
        job.save(update_fields=["rows_total", "rows_done", "status", "file_name"])

    def progress(rows_done: int) -> None:
        # Outside any transaction, so the page sees it at once. Only this task writes it.
        AuditExport.objects.filter(pk=job.pk).update(rows_done=rows_done)

    try:
        size = exports.write_file(
            exports_folder() / job.file_name,
            project,
            filters,
            up_to=up_to,
            export_format=job.format,
            on_progress=progress,
            with_facilitator_entries=whole,
        )
    except Exception:
        logger.exception("Export %s failed", job.pk)
        AuditExport.objects.filter(pk=job.pk).update(status=AuditExport.Status.FAILED)
        raise
    with transaction.atomic():
        AuditExport.objects.filter(pk=job.pk).update(
            status=AuditExport.Status.READY, file_size=size, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def export_file(job: AuditExport) -> Path | None:
    """The file of a ready, unexpired export, or None."""
    if not job.available or not job.file_name:
        return None
    path = exports_folder() / job.file_name
    return path if path.is_file() else None


def exports_delete_expired() -> int:
    """Delete the files of expired exports (and any stray file). Running it twice is harmless."""
    now = timezone.now()
    folder = exports_folder()
    expired = 0
    for job in AuditExport.objects.filter(expires_at__lte=now).exclude(
        status=AuditExport.Status.EXPIRED
    ):
        with transaction.atomic():
            locked = AuditExport.objects.select_for_update().get(pk=job.pk)
            if locked.file_name:
                (folder / locked.file_name).unlink(missing_ok=True)
                (folder / (locked.file_name + ".partial")).unlink(missing_ok=True)
            locked.status = AuditExport.Status.EXPIRED
            locked.file_name = ""
            locked.save(update_fields=["status", "file_name"])
        expired += 1
    if folder.is_dir():
        kept = set(AuditExport.objects.exclude(file_name="").values_list("file_name", flat=True))
        too_old = now - EXPORT_AVAILABLE_FOR
        for path in folder.iterdir():
            name = path.name.removesuffix(".partial")
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if name not in kept and modified < too_old:
                path.unlink(missing_ok=True)
    return expired


# --- Checking the chain and its anchors -------------------------------------------


def decision_anchors(project_id: object) -> list[Head]:
    """The heads the project's decision records carry: each one fixes the chain's
    length at the time of its decision."""
    texts = DecisionRecord.objects.filter(stage__project_id=project_id).values_list(
        "trail_head", flat=True
    )
    return [head for head in map(Head.parse, texts) if head is not None]


def _store_result(check: AuditVerification, result: ChainResult) -> AuditVerification:
    check.finished_at = timezone.now()
    check.events_checked = result.events_checked
    check.intact = result.intact
    check.first_bad_sequence = result.first_bad_sequence
    check.problem = result.problem
    # Only a chain found intact gives an anchor: later checks hold it to this head.
    if result.intact and result.head is not None:
        check.head_sequence = result.head.sequence
        check.head_hash = result.head.hash
    check.save(
        update_fields=[
            "finished_at",
            "events_checked",
            "intact",
            "first_bad_sequence",
            "problem",
            "head_sequence",
            "head_hash",
        ]
    )
    details: dict[str, object] = {"intact": result.intact}
    if result.intact and result.head is not None:
        details.update(sequence=result.head.sequence, hash=result.head.hash)
    if not result.intact:
        details.update(problem=result.problem, first_bad_sequence=result.first_bad_sequence)
    requested_by = check.requested_by if check.requested_by_id else None
    record(
        action="trail.verified",
        actor=requested_by,
        project_id=check.project_id,
        details=details,
    )
    return check


def trail_verify(*, actor: User, project: Project) -> AuditVerification:
    """Check the project's chain now, or queue the check when the chain is long.

    The check is recorded in the trail ("trail.verified") when it finishes, with what
    it found: the head it saw, or the first entry that does not match.
    """
    _deny(permissions.can_read_audit_trail(actor, project))
    background = last_sequence(project.pk) > verify_in_request_limit()
    with transaction.atomic():
        check = AuditVerification.objects.create(project_id=project.pk, requested_by=actor)
        if background:
            from trail.tasks import audit_verification_run

            check_id = check.pk
            transaction.on_commit(lambda: audit_verification_run.delay(check_id))
            return check
    return verification_run(verification_id=check.pk) or check


def verification_run(*, verification_id: int) -> AuditVerification | None:
    """Run a queued check, keep its result and record it. Running it twice does no harm."""
    check = AuditVerification.objects.filter(pk=verification_id).first()
    if check is None or check.finished_at is not None:
        return check
    # Read outside a transaction: a long walk must not hold locks on the trail.
    anchors = decision_anchors(check.project_id) if check.project_id else []
    result = verify_chain(check.project_id, anchors)
    with transaction.atomic():
        locked = (
            AuditVerification.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .get(pk=check.pk)
        )
        if locked.finished_at is not None:
            return locked
        return _store_result(locked, result)


def chains_verify_all() -> list[AuditVerification]:
    """Check every chain (the scheduled nightly check, by the system), keep and record the
    results, and send each project's head to its observers."""
    checks = []
    for project_id in known_chains():
        check = AuditVerification.objects.create(project_id=project_id, requested_by=None)
        check = verification_run(verification_id=check.pk) or check
        checks.append(check)
        if project_id is not None:
            anchor_send(check=check)
    return checks


def anchor_send(*, check: AuditVerification) -> int:
    """Tell the project's observers the head its nightly check saw (or what went wrong).

    Kept outside the database (in their email and on a page they can print), the head
    contradicts a trail later shortened inside it. Sent once per check: running it
    twice does no harm. The check itself was recorded in the trail ("trail.verified").
    """
    project = Project.objects.filter(pk=check.project_id).first()
    if project is None or check.finished_at is None:
        return 0
    observers = list(
        User.objects.filter(
            memberships__project=project,
            memberships__role=Role.OBSERVER,
            memberships__left_at__isnull=True,
        ).distinct()
    )
    if not observers:
        return 0
    when = timezone.localtime(check.finished_at)
    if check.intact:
        subject = _("The audit trail of %(project)s was checked: nothing changed") % {
            "project": project.title
        }
        body = _(
            "Tonight's check of the audit trail of %(project)s found nothing changed or "
            "removed. Keep this email: it records where the trail stood on %(when)s.\n\n"
            "Newest entry: %(sequence)s\nIts fingerprint (hash): %(hash)s\n\n"
            "If a later check, an export or this page ever shows the trail ending before "
            "entry %(sequence)s, or a different fingerprint for it, tell your information "
            "governance lead."
        ) % {
            "project": project.title,
            "when": f"{when:%d %B %Y, %H:%M}",
            "sequence": check.head_sequence,
            "hash": check.head_hash,
        }
    else:
        subject = _("The audit trail of %(project)s: the check found a problem") % {
            "project": project.title
        }
        body = _(
            "Tonight's check of the audit trail of %(project)s found a problem: %(problem)s. "
            "Something in the record was changed outside the portal. Tell your information "
            "governance lead, and keep any exports and emails about the trail you have."
        ) % {
            "project": project.title,
            "problem": problem_in_words(check.problem, check.first_bad_sequence),
        }
    with transaction.atomic():
        keys = notify(
            recipients=observers,
            kind=Kind.TRAIL_CHECKED,
            key=f"trail_checked:{check.pk}",
            subject=subject,
            body=body,
            link=reverse("trail:anchors", kwargs={"project_id": project.pk}),
        )
    return len(keys)
