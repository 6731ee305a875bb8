"""The Django admin signs in through allauth, with two factors, like every other page.

allauth's sign-in has rate limits and asks for the authenticator; Django's own admin
sign-in has neither. So the admin's sign-in page sends people to allauth's, and the
admin opens only for active staff whose sign-in in this session used two factors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from coproduce.site.data_rights import account_erase
from participants.admin import UserAdmin
from participants.models import User
from participants.two_factor import session_used_two_factors
from projects.admin import KeepsProjectRoleGroups


def _admin_ready(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and session_used_two_factors(request)


def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Replace the admin's password form: sign in with allauth, then prove the second factor."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    back_here = f"{request.path}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    if not request.user.is_authenticated:
        return HttpResponseRedirect(
            f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: back_here})}"
        )
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    if not is_mfa_enabled(request.user):
        # Staff must switch on an authenticator app first.
        return HttpResponseRedirect(reverse("mfa_index"))
    if not session_used_two_factors(request):
        return HttpResponseRedirect(
            f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: back_here})}"
        )
    return HttpResponseRedirect(next_url)


def secure_the_admin(site: admin.AdminSite) -> None:
    """Send the admin's sign-in through allauth and require two factors in this session."""
    site.login = admin_login  # type: ignore[method-assign]
    site.has_permission = _admin_ready  # type: ignore[method-assign]


@admin.action(
    description="Erase the selected accounts (they become “Former member N”; cannot be undone)",
    permissions=["change"],
)
def erase_accounts(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
    """Erase accounts as an administrator: the same erasure as a person's own."""
    erased = 0
    for person in queryset.filter(erased_at__isnull=True).order_by("pk"):
        if person.pk == request.user.pk:
            model_admin.message_user(
                request,
                "Your own account was not erased: use the “Your data” page for that.",
                messages.WARNING,
            )
            continue
        account_erase(actor=request.user, user=person)
        erased += 1
    model_admin.message_user(request, f"{erased} account(s) erased.", messages.SUCCESS)


class UserAdminWithErasure(KeepsProjectRoleGroups, UserAdmin):
    """The people's admin, with erasure (which also ends memberships: a site-layer task);
    a project's role groups are not offered there (they follow memberships)."""

    actions = [erase_accounts]
    list_display = [*UserAdmin.list_display, "erased_at"]
    readonly_fields = ["erased_at", "erased_number"]
    fieldsets = (*UserAdmin.fieldsets, ("Erasure", {"fields": ("erased_at", "erased_number")}))


def add_account_erasure(site: admin.AdminSite) -> None:
    if site.is_registered(User):
        site.unregister(User)
    site.register(User, UserAdminWithErasure)
