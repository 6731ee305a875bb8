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


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enable_totp(user: User) -> None:
    """Switch on two-factor authentication (an authenticator app) for a person."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, TOTP_SECRET)


def current_totp_code(secret: str = TOTP_SECRET) -> str:
    """The code the person's authenticator app shows right now."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
