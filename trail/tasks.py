"""Background work of the audit trail: large exports, long chain checks, the clean-up.

Thin and idempotent: each task calls a service, and running one twice does no harm.
The worker finds this module itself (`trail` is an installed app).
"""

from __future__ import annotations

from celery import shared_task

from trail import services


@shared_task
def audit_export_run(export_id: str) -> str:
    """Write a large export's file and mark it ready for its download."""
    job = services.export_run(export_id=export_id)
    return job.status if job is not None else "missing"


@shared_task
def audit_verification_run(verification_id: int) -> bool | None:
    """Check one long chain that someone asked about, and keep the result."""
    check = services.verification_run(verification_id=verification_id)
    return check.intact if check is not None else None


@shared_task
def audit_exports_delete_expired() -> int:
    """Delete export files past their time (scheduled every hour)."""
    return services.exports_delete_expired()


@shared_task
def audit_chains_verify() -> int:
    """Check every chain of the trail and keep the results (scheduled every night)."""
    return sum(1 for check in services.chains_verify_all() if check.intact is False)
