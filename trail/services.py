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
from django.utils import timezone

from coproduce.audit.models import AuditEvent, AuditVerification
from coproduce.audit.record import record
from coproduce.audit.verify import ChainResult, verify_chain
from participants.models import User
from projects import permissions
from projects.models import Project
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
    """The answer to "export this": stream now (`job` None), or wait for `job`."""

    up_to: int
    job: AuditExport | None


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
    with transaction.atomic():
        up_to = last_sequence(project.pk)
        rows = exports.count_rows(project, filters, up_to=up_to, limit=stream_limit())
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
    return ExportRequest(up_to=up_to, job=job)


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
        job.rows_total = exports.count_rows(project, filters, up_to=up_to, limit=10**12)
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


# --- Checking the chain -----------------------------------------------------------


def _store_result(check: AuditVerification, result: ChainResult) -> AuditVerification:
    check.finished_at = timezone.now()
    check.events_checked = result.events_checked
    check.intact = result.intact
    check.first_bad_sequence = result.first_bad_sequence
    check.problem = result.problem
    check.save(
        update_fields=[
            "finished_at",
            "events_checked",
            "intact",
            "first_bad_sequence",
            "problem",
        ]
    )
    return check


def trail_verify(*, actor: User, project: Project) -> AuditVerification:
    """Check the project's chain now, or queue the check when the chain is long."""
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
    """Run a queued check and keep its result. Running it twice does no harm."""
    check = AuditVerification.objects.filter(pk=verification_id).first()
    if check is None or check.finished_at is not None:
        return check
    # Read outside a transaction: a long walk must not hold locks on the trail.
    result = verify_chain(check.project_id)
    with transaction.atomic():
        locked = AuditVerification.objects.select_for_update().get(pk=check.pk)
        if locked.finished_at is not None:
            return locked
        return _store_result(locked, result)


def chains_verify_all() -> list[AuditVerification]:
    """Check every chain (the scheduled nightly check, by the system) and keep the results."""
    checks = []
    chains = AuditEvent.objects.order_by().values_list("project_id", flat=True).distinct()
    for project_id in chains:
        check = AuditVerification.objects.create(project_id=project_id, requested_by=None)
        checks.append(verification_run(verification_id=check.pk) or check)
    return checks
