"""The Django admin signs in through allauth, with two factors, like every other page.

allauth's sign-in has rate limits and asks for the authenticator; Django's own admin
sign-in has neither. So the admin's sign-in page sends people to allauth's, and the
admin opens only for active staff whose sign-in in this session used two factors.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from participants.two_factor import session_used_two_factors


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
