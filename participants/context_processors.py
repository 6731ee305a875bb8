"""What every page shows about the signed-in person: how many notifications are new."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from participants.notifications.models import Notification


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The number of unread notifications, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": lambda: Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
    }
