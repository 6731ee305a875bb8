"""The reference's settings: the portal's (same database, secret key, sessions and user
model, so one sign-in through the portal's page works on both), with its own URLs and
only the middleware the essential work needs (and allauth's, which its app insists on:
it only remembers the request)."""

from __future__ import annotations

from coproduce.settings import *  # noqa: F403

ROOT_URLCONF = "bench.reference.urls"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
