from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("People")

    def ready(self) -> None:
        # A sign-in starts the idle clock (a receiver of Django's user_logged_in), and
        # switching on an authenticator app counts as using it in that session.
        from participants import middleware, two_factor  # noqa: F401
