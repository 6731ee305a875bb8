"""Signing out a sign-in left idle, calmly, keeping what the person had typed."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponse]

LAST_SEEN_SESSION_KEY = "coproduce_last_seen"
# The moment of the last request is written at most this often (seconds), so that
# reading pages does not write the session on every click.
_WRITE_EVERY = 60
# Fields never shown back: secrets and what the form machinery adds.
_NOT_SHOWN = ("csrfmiddlewaretoken", "password", "code", "token", "next")


def _typed(request: HttpRequest) -> list[tuple[str, str]]:
    """The text fields of a refused POST, to show back so nothing typed is lost."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if not any(secret in name.lower() for secret in _NOT_SHOWN)
        for value in values
        if value.strip() and len(value) <= 20_000
    ]


@receiver(user_logged_in, dispatch_uid="idle_sign_out_start")
def _signed_in_now(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """A sign-in counts as activity (written with the sign-in's own session save)."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_SESSION_KEY] = time.time()


class IdleSignOutMiddleware:
    """Sign a person out after SESSION_IDLE_MINUTES without a request (30 by default).

    On top of the sign-in's overall limit (SESSION_COOKIE_AGE, 12 hours): a shared or
    lost phone is not left signed in. A page asked for after the limit leads to the
    sign-in page with a calm explanation; a form sent after it shows what was typed, so
    the person can copy it before signing in again.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
        if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
            return self._signed_out(request)
        if last_seen is None or now - last_seen > _WRITE_EVERY:
            request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest) -> HttpResponse:
        typed = _typed(request) if request.method == "POST" else []
        next_url = request.get_full_path() if request.method == "GET" else request.path
        logout(request)
        sign_in = f"{reverse('account_login')}?{urlencode({'next': next_url})}"
        if request.method == "GET":
            messages.info(
                request,
                _(
                    "You were signed out to keep your account safe, because nothing happened "
                    "for %(minutes)s minutes. Sign in again to go back where you were."
                )
                % {"minutes": settings.SESSION_IDLE_MINUTES},
            )
            return HttpResponseRedirect(sign_in)
        response = render(
            request,
            "participants/signed_out_idle.html",
            {"typed": typed, "sign_in_url": sign_in},
            status=401,
        )
        add_never_cache_headers(response)  # it shows what they typed: keep no copy
        return response
