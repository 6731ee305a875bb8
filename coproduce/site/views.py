"""Site pages that gather from every app: home, the health check, and the person's data
rights (download their data, erase their account)."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.celery import app as celery_app
from coproduce.site.data_rights import account_erase, personal_data_download
from delivery.selectors import overdue_actions_for
from projects.permissions import can_create_project
from projects.selectors import dashboard_for_user, invitations_waiting_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Co-produce is. Signed in: the person's projects."""
    if not request.user.is_authenticated:
        return render(request, "site/welcome.html")
    entries = dashboard_for_user(request.user)
    return render(
        request,
        "site/dashboard.html",
        {
            "entries": entries,
            "observes_a_project": any(entry.role in ("observer", "sponsor") for entry in entries),
            "invitations": invitations_waiting_for(request.user),
            "can_create_project": can_create_project(request.user),
            "overdue_actions": list(overdue_actions_for(request.user, timezone.localdate())),
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


@login_required
@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    """What the portal keeps about the person, with the download and erase buttons."""
    return render(request, "site/your_data.html")


@login_required
@require_POST
def your_data_download(request: HttpRequest) -> HttpResponse:
    """The person's data as a zip file (POST: making it is recorded in the trail)."""
    content = personal_data_download(user=request.user, site_name=settings.SITE_NAME)
    response = HttpResponse(content, content_type="application/zip")
    name = f"my-data-{timezone.now():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required(allow_get=True)
def account_erase_confirm(request: HttpRequest) -> HttpResponse:
    """Explain what erasing does; on POST (after re-entering the password or a code), erase."""
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            return render(
                request,
                "site/account_erase.html",
                {"error": True},
                status=400,
            )
        account_erase(actor=request.user, user=request.user)
        logout(request)
        return redirect("account_erased")
    return render(request, "site/account_erase.html")


@require_GET
def account_erased(request: HttpRequest) -> HttpResponse:
    return render(request, "site/account_erased.html")
