"""Scheduled work that reaches every app: keeping personal data no longer than needed."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from decisions.services.retention import participations_delete_after_close
from participants.services import notifications_delete_old_read
from projects.retention import invitation_addresses_forget


@shared_task
def personal_data_retention() -> dict[str, object]:
    """Apply the retention periods in settings (daily, by beat). Each part is its own
    service and transaction, recorded in the trail; running twice does no harm."""
    now = timezone.now()
    return {
        "invitation_addresses": invitation_addresses_forget(
            now=now, after_days=settings.RETENTION_INVITATION_EMAIL_DAYS
        ),
        "read_notifications": notifications_delete_old_read(
            now=now, after_days=settings.RETENTION_READ_NOTIFICATIONS_DAYS
        ),
        "participation": participations_delete_after_close(
            now=now, after_days=settings.RETENTION_PARTICIPATION_AFTER_CLOSE_DAYS
        ),
    }
