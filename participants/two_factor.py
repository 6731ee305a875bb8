"""Whether this very sign-in used two factors (not only whether the person has them on).

allauth keeps, in the session, a record of each way the person proved who they are
since signing in (password, emailed code, authenticator app, re-authentication). A
person who has an authenticator but signed in some other way (an old session, an
administrator's shortcut) has not proved the second factor in this session.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from django.http import HttpRequest


def session_used_two_factors(request: HttpRequest) -> bool:
    """True when this session's sign-in (or a later re-authentication) used an authenticator."""
    if not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)
