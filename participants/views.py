"""Pages about the signed-in person, their notifications, and unsubscribing from emails."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.text import MAX_PAGE, parse_bounded_int
from participants.forms import NotificationPreferencesForm, ProfileForm
from participants.models import User
from participants.notifications import services as notification_services
from participants.notifications.models import Notification
from participants.services import user_update_profile

NOTIFICATIONS_PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Show and change the person's display name, full name and time zone."""
    # A fresh copy: a refused form must not change the name shown in the page header.
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        user_update_profile(actor=request.user, user=request.user, **form.cleaned_data)
        messages.success(request, _("Your details have been saved."))
        return redirect("participants:profile")
    return render(request, "participants/profile.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's own notifications, newest first."""
    page = Paginator(
        Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id"),
        NOTIFICATIONS_PER_PAGE,
    ).get_page(parse_bounded_int(request.GET.get("page"), minimum=1, maximum=MAX_PAGE) or 1)
    return render(
        request,
        "participants/notifications/list.html",
        {"page": page, "has_unread": any(item.read_at is None for item in page)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Mark one of the person's notifications as read. Someone else's is not found."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    notification_services.notification_mark_read(actor=request.user, notification=notification)
    return redirect("participants:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notification_services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("All your notifications are marked as read."))
    return redirect("participants:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Choose, for each kind of notification, how to hear about it by email."""
    form = NotificationPreferencesForm(
        request.POST or None,
        initial_choices=notification_services.preferences_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        notification_services.preferences_update(
            actor=request.user, user=request.user, choices=form.cleaned_data
        )
        messages.success(request, _("Your email choices have been saved."))
        return redirect("participants:notification_preferences")
    return render(request, "participants/notifications/preferences.html", {"form": form})


# Mail programs send the one-click POST (RFC 8058) without cookies or a CSRF token:
# the signed token is the permission, and it can only switch emails off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of email without signing in: GET explains, POST confirms."""
    found = notification_services.unsubscribe_token_read(token)
    if found is None:
        return render(request, "participants/notifications/unsubscribe_invalid.html", status=400)
    person, kind = found
    context = {"kind_label": notification_services.unsubscribe_label(kind), "token": token}
    if request.method == "POST":
        notification_services.unsubscribe(user=person, kind=kind)
        return render(request, "participants/notifications/unsubscribed.html", context)
    return render(request, "participants/notifications/unsubscribe.html", context)
