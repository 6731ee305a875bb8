"""How allauth behaves here: invite-only sign-up and account emails sent off the request."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from participants.models import unused_pseudonym
from participants.tasks import email_send, serialize_email

# Set by the invitation page: someone holding a valid invitation may create an account.
INVITED_EMAIL_SESSION_KEY = "invited_email"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Projects are invite-only: sign-up is open to people holding an invitation, and to
        everyone only where a deployment chooses so (OPEN_SIGNUP)."""
        return settings.OPEN_SIGNUP or bool(request.session.get(INVITED_EMAIL_SESSION_KEY))

    def clean_email(self, email: str) -> str:
        """Sign-up through an invitation makes the account for the address it was sent to
        (the link proves that address, and no other): another address is refused kindly."""
        request = allauth_context.request
        invited = request.session.get(INVITED_EMAIL_SESSION_KEY) if request is not None else None
        signing_up = request is not None and not request.user.is_authenticated
        if signing_up and invited and email.strip().lower() != invited.strip().lower():
            raise forms.ValidationError(
                _(
                    "Your invitation was sent to %(address)s, so create your account with "
                    "that address. Once you have joined you can add another address on your "
                    "account page."
                )
                % {"address": invited},
                code="not_invited_address",
            )
        return super().clean_email(email)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Give a new account a pseudonym nobody uses yet before it is first saved
        (display names are unique); the sign-up form then puts the chosen name."""
        user.display_name = unused_pseudonym()
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render the message now, and send it from a Celery worker once the data is saved."""
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_name": settings.SITE_NAME,
            "login_code_minutes": settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60,
            **context,
        }
        message = self.render_mail(template_prefix, email, full_context)
        payload = serialize_email(message)
        transaction.on_commit(lambda: email_send.delay(payload))
