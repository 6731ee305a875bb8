"""Whether this very sign-in used two factors (not only whether the person has them on).

allauth keeps, in the session, a record of each way the person proved who they are
since signing in (password, emailed code, authenticator app, re-authentication). A
person who has an authenticator but signed in some other way (an old session, an
administrator's shortcut) has not proved the second factor in this session.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver
from django.http import HttpRequest


def session_used_two_factors(request: HttpRequest) -> bool:
    """True when this session's sign-in (or a later re-authentication) used an authenticator."""
    if not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


@receiver(authenticator_added)
def _setting_up_an_app_proves_it(
    sender: object,
    request: HttpRequest | None,
    user: object,
    authenticator: Authenticator,
    **kwargs: object,
) -> None:
    """Count switching on an authenticator app as using it in this session.

    Switching it on means typing a code the app shows, so the person has just proved
    they hold it: asking for another code a moment later would only be in the way.
    """
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    if getattr(request, "user", None) != user:
        return
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
