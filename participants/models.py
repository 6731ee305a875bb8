"""The people of the portal: the account, its pseudonymous display name and preferences."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Calm, neutral words for generated pseudonyms: nothing clinical, nothing judging.
_PSEUDONYM_ADJECTIVES = (
    "Amber", "Bright", "Calm", "Clear", "Cosy", "Gentle", "Golden", "Green",
    "Hazel", "Kind", "Misty", "Quiet", "Silver", "Steady", "Sunny", "Warm",
)  # fmt: skip
_PSEUDONYM_NOUNS = (
    "Birch", "Brook", "Cedar", "Fern", "Heron", "Lark", "Maple", "Meadow",
    "Otter", "Pebble", "Robin", "Rowan", "Sparrow", "Willow", "Wren", "Harbour",
)  # fmt: skip


def generate_pseudonym(number_below: int = 100) -> str:
    """Return a friendly random pseudonym such as 'Quiet Heron 41' (no database look-up:
    it is the field's default, which Django also calls when no one signs up)."""
    adjective = secrets.choice(_PSEUDONYM_ADJECTIVES)
    noun = secrets.choice(_PSEUDONYM_NOUNS)
    return f"{adjective} {noun} {secrets.randbelow(number_below - 10) + 10}"


def unused_pseudonym() -> str:
    """A pseudonym that nobody uses yet (display names are unique)."""
    for attempt in range(20):
        # Two-digit numbers first; longer ones where those are crowded.
        name = generate_pseudonym(100 if attempt < 10 else 100_000)
        if not display_name_taken(name, person=None):
            return name
    return generate_pseudonym(10**9)


def display_name_taken(name: str, *, person: Any) -> bool:
    """True when someone other than `person` already shows this name (any letter case)."""
    taken = User.objects.filter(display_name__iexact=name)
    if person is not None and person.pk is not None:
        taken = taken.exclude(pk=person.pk)
    return taken.exists()


class Constituency(models.TextChoices):
    """The groups a person may say they belong to in a project (self-described)."""

    LIVED_EXPERIENCE = "lived_experience", _("Lived experience of mental illness")
    CARER = "carer", _("Carer, family member or supporter")
    CLINICIAN = "clinician", _("Clinician")
    OTHER_PROFESSIONAL = "other_professional", _("Other professional")
    OTHER = "other", _("Other")


class UserManager(BaseUserManager["User"]):
    """Create people by email; the email is the login."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Others see the display name, a pseudonym by default."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        default=generate_pseudonym,
        help_text=_(
            "The name other people in your projects see. It can be a made-up name: "
            "you do not have to use your real name."
        ),
    )
    full_name = models.CharField(
        _("full name"),
        max_length=150,
        blank=True,
        help_text=_("Optional. Only you and the site's administrators can see it."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/London",
        help_text=_("Dates and times are shown in this time zone."),
    )
    larger_text = models.BooleanField(
        _("Larger text"), default=False, help_text=_("Show text bigger on every page.")
    )
    reduced_motion = models.BooleanField(
        _("Less movement"),
        default=False,
        help_text=_("Turn off animations and moving parts."),
    )
    easy_read_first = models.BooleanField(
        _("Easy read first"),
        default=False,
        help_text=_("Where a project has an easy read summary, show it first."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the account is erased: what the person wrote and did then reads
    # "Former member <erased_number>" everywhere. The number comes from a database
    # sequence, so it is stable and never given to two people.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    erased_number = models.PositiveIntegerField(null=True, blank=True, unique=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # Nobody can take another person's name, not even in different letter case.
            models.UniqueConstraint(
                Lower("display_name"),
                name="display_names_unique",
                violation_error_message=_(
                    "Someone else already uses this display name. Choose another one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    def get_full_name(self) -> str:
        return self.full_name or self.display_name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


# Erased accounts are shown as "Former member N". Nobody else may take such a name.
FORMER_MEMBER_PREFIX = "Former member"


def former_member_label(number: int) -> str:
    return f"{FORMER_MEMBER_PREFIX} {number}"


def is_reserved_display_name(name: str) -> bool:
    """Names kept for erased accounts ("Former member 3"), in any letter case."""
    return name.strip().casefold().startswith(FORMER_MEMBER_PREFIX.casefold())


# The notification models live in their own module; importing them here registers them.
from participants.notifications.models import (  # noqa: E402
    Notification,
    NotificationPreference,
)

__all__ = [
    "FORMER_MEMBER_PREFIX",
    "Constituency",
    "Notification",
    "NotificationPreference",
    "User",
    "display_name_taken",
    "former_member_label",
    "generate_pseudonym",
    "is_reserved_display_name",
    "unused_pseudonym",
]
