"""Site pages that gather from every app: home and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coproduce.celery import app as celery_app
from projects.permissions import can_create_project
from projects.selectors import dashboard_for_user, invitations_waiting_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Co-produce is. Signed in: the person's projects."""
    if not request.user.is_authenticated:
        return render(request, "site/welcome.html")
    return render(
        request,
        "site/dashboard.html",
        {
            "entries": dashboard_for_user(request.user),
            "invitations": invitations_waiting_for(request.user),
            "can_create_project": can_create_project(request.user),
        },
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report whether the database and the broker answer: 200 when both do, else 503."""
    checks = {
        "database": "ok" if _database_ok() else "unavailable",
        "broker": "ok" if _broker_ok() else "unavailable",
    }
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
