"""factory_boy factories for the rest of the data (the fixed cast is in conftest.py)."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from participants.models import User

PASSWORD = "a long and memorable passphrase"


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified email address and a known password."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


def totp_secret(person: User) -> str:
    """The person's own authenticator secret: everyone's differs, so one person's used
    code never makes another wait for the next 30-second window."""
    import base64
    import hashlib

    return base64.b32encode(hashlib.sha256(person.email.encode()).digest()[:20]).decode()


def enable_totp(user: User) -> None:
    """Switch on two-factor authentication (an authenticator app) for a person."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, totp_secret(user))


def current_totp_code(person_or_secret: User | str, *, step: int = 0) -> str:
    """The code the person's authenticator app shows now (or `step` windows from now).

    The portal accepts the codes of the windows just before and after the current one
    too (MFA_TOTP_TOLERANCE), so a second sign-in in the same window can use `step=1`.
    """
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    secret = (
        person_or_secret if isinstance(person_or_secret, str) else totp_secret(person_or_secret)
    )
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + step
    return format_hotp_value(hotp_value(secret, counter))
