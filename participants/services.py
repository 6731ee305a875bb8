"""Writes about people. Each is one transaction, taking the acting person."""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coproduce.audit.record import record
from coproduce.errors import RightsError
from participants.models import User, former_member_label, unused_pseudonym
from participants.notifications.models import Notification, NotificationPreference

PROFILE_FIELDS = (
    "display_name",
    "full_name",
    "time_zone",
    "larger_text",
    "reduced_motion",
    "easy_read_first",
)


def user_update_profile(*, actor: User, user: User, **values: object) -> User:
    """Change a person's own details and preferences; only that person may."""
    if actor.pk != user.pk:
        raise RightsError("People change only their own details.")
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown profile fields {sorted(unknown)}.")
    changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
    if not changed:
        return user
    with transaction.atomic():
        for name in changed:
            setattr(user, name, values[name])
        user.save(update_fields=changed)
        # Site-wide (no project): which fields changed, never their values.
        record(action="profile.updated", actor=user, details={"changed": changed})
    return user


def user_sign_up_complete(*, user: User, display_name: str) -> User:
    """Finish a new account: the display name chosen at sign-up (a fresh pseudonym when
    none was chosen), and the site-wide audit event that the account was made.

    If someone took the same name in the moment between the form and this write, the
    person gets a pseudonym instead (they can change it on their profile): never an error
    page at the end of signing up.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.display_name = display_name or unused_pseudonym()
                user.save(update_fields=["display_name"])
        except IntegrityError:
            user.display_name = unused_pseudonym()
            user.save(update_fields=["display_name"])
        record(action="account.signed_up", actor=user, details={})
    return user


class ErasureRefused(PermissionError):
    """Only the person themselves, or an administrator, may erase an account."""


def _may_erase(actor: User, user: User) -> bool:
    return actor.pk == user.pk or (
        actor.is_active and actor.is_staff and actor.has_perm("participants.change_user")
    )


def _next_erased_number() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('participants_erased_member_number')")
        return int(cursor.fetchone()[0])


def _sign_out_everywhere(user: User) -> None:
    """End the person's sessions on every device (sessions live in the database), and
    forget the list of their devices where allauth keeps one."""
    if apps.is_installed("allauth.usersessions"):
        apps.get_model("usersessions", "UserSession").objects.filter(user=user).delete()
    wanted = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id", "")) == wanted:
            session.delete()


def user_erase(*, actor: User, user: User) -> User:
    """Erase a person's account, keeping the row so that what they wrote stays attributed.

    Their email, names and free-text profile go; the row becomes "Former member N",
    inactive, with an unusable password and a placeholder email nobody can receive (so
    their address can make a new account). Their email addresses, authenticators,
    sessions, notifications and email choices are deleted. The site-wide trail records
    the erasure under the new name. Leaving the projects is the caller's part (the site
    layer: people do not know projects). Erasing twice changes nothing.
    """
    if not _may_erase(actor, user):
        raise ErasureRefused("Only the person or an administrator can erase an account.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_erased:
            return locked
        while True:
            number = _next_erased_number()
            # Names starting "Former member" are refused to everyone else, but an older
            # account might hold one: then the next number is taken.
            if not User.objects.filter(display_name__iexact=former_member_label(number)).exists():
                break
        locked.erased_number = number
        locked.erased_at = timezone.now()
        locked.display_name = former_member_label(number)
        locked.email = f"erased-{number}@invalid"
        locked.full_name = ""
        locked.time_zone = User._meta.get_field("time_zone").default
        locked.larger_text = locked.reduced_motion = locked.easy_read_first = False
        locked.is_active = locked.is_staff = locked.is_superuser = False
        locked.set_unusable_password()
        locked.save()
        locked.groups.clear()
        locked.user_permissions.clear()
        EmailAddress.objects.filter(user=locked).delete()
        Authenticator.objects.filter(user=locked).delete()
        Notification.objects.filter(recipient=locked).delete()
        NotificationPreference.objects.filter(user=locked).delete()
        _sign_out_everywhere(locked)
        by_themselves = actor.pk == locked.pk
        record(
            action="account.erased",
            actor=locked if by_themselves else actor,
            target=locked,
            details={"by": "themselves" if by_themselves else "administrator"},
        )
    return locked


def notifications_delete_old_read(*, now: datetime, after_days: int) -> int:
    """Delete notifications read more than `after_days` ago; unread ones stay. The
    site-wide trail records how many (notifications belong to no project)."""
    cutoff = now - timedelta(days=after_days)
    with transaction.atomic():
        deleted, _by_model = Notification.objects.filter(read_at__lt=cutoff).delete()
        if deleted:
            record(
                action="retention.notifications_deleted",
                actor=None,
                details={"count": deleted, "after_days": after_days},
            )
    return deleted
