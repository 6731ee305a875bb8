from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Give every page the portal's name and how long a sign-in may sit idle."""
    return {"site_name": settings.SITE_NAME, "idle_minutes": settings.SESSION_IDLE_MINUTES}
