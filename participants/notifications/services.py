"""Every write about notifications: telling people, emailing them once, their choices.

`notify` is the one way other apps tell people something. It writes in the caller's
transaction and sends only after commit. Sending locks each row and checks
`emailed_at`, so a retried or doubled task never emails anyone twice.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coproduce.audit.record import record
from coproduce.errors import RightsError
from coproduce.text import one_line
from participants.models import User
from participants.notifications.models import (
    Delivery,
    Kind,
    Notification,
    NotificationPreference,
)

# The unsubscribe "kind" of a daily digest email: stop the daily email altogether.
DIGEST = "digest"
_UNSUBSCRIBE_SALT = "participants.notifications.unsubscribe"
# Right-away notifications whose queued send was lost (broker down at commit) are
# picked up by the sweep after this long, and given up after a day.
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_UNTIL = timedelta(days=1)

logger = logging.getLogger(__name__)


# --- Writing -------------------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    key: str,
    subject: str,
    body: str,
    link: str = "",
    deadline: datetime | None = None,
) -> list[str]:
    """Tell each recipient once, on their notifications page and by email as they chose.

    `key` names the event (like f"stage_opened:{stage.pk}"); each row's key adds the
    recipient's id, and a key already written is skipped, so calling twice writes
    once. Call it inside the service's transaction: emails go after commit.
    Returns the keys of the rows asked for.
    """
    kind = Kind(kind)
    people = {person.pk: person for person in recipients if person.is_active}
    if not people:
        return []
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=people, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    rows = [
        Notification(
            recipient_id=person_id,
            kind=kind,
            key=f"{key}:{person_id}",
            delivery=chosen.get(person_id, Delivery.IMMEDIATE),
            subject=one_line(subject)[:200],
            body=body,
            link=link,
            deadline=deadline,
        )
        for person_id in sorted(people)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    right_away = [row.key for row in rows if row.delivery == Delivery.IMMEDIATE]
    if right_away:
        from participants.tasks import notifications_email_send

        # robust: a broker that is down must not fail a change already committed;
        # the sweep task sends what was not queued.
        transaction.on_commit(lambda: notifications_email_send.delay(right_away), robust=True)
    return [row.key for row in rows]


def notifications_withdraw(
    *,
    keys: Sequence[str] = (),
    recipient: User | None = None,
    kind: str = "",
    key_suffix: str = "",
) -> int:
    """Delete notifications not yet emailed that no longer apply (a reminder to vote
    for someone who has just voted). Already emailed ones stay.

    Name them by their `keys`, or as one person's notifications of one kind whose keys
    end with `key_suffix` (one DELETE, found through the recipient's index).
    """
    if recipient is not None:
        matching = Notification.objects.filter(
            recipient=recipient, kind=kind, key__endswith=key_suffix
        )
    else:
        matching = Notification.objects.filter(key__in=keys)
    deleted, _details = matching.filter(emailed_at__isnull=True).delete()
    return deleted


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the person's own notifications as read."""
    if notification.recipient_id != actor.pk:
        raise RightsError("People mark only their own notifications.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark all the person's notifications as read."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Choices ---------------------------------------------------------------------------


def preferences_for(user: User) -> dict[str, str]:
    """The person's choice for every kind, the default (right away) where none was made."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in Kind.values}


def _preferences_write(user: User, choices: dict[str, str]) -> None:
    # An upsert on the (user, kind) constraint: two saves at once never clash.
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, delivery=delivery)
            for kind, delivery in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )


def preferences_update(*, actor: User, user: User, choices: dict[str, str]) -> list[str]:
    """Save how the person wants to hear about each kind. Returns the kinds changed."""
    if actor.pk != user.pk:
        raise RightsError("People change only their own choices.")
    for kind, delivery in choices.items():
        Kind(kind), Delivery(delivery)  # refuse unknown values loudly
    current = preferences_for(user)
    changed = sorted(kind for kind, delivery in choices.items() if current[kind] != delivery)
    if not changed:
        return []
    with transaction.atomic():
        _preferences_write(user, {kind: choices[kind] for kind in changed})
        record(
            action="notification_preferences.updated",
            actor=user,
            details={"changed": {kind: choices[kind] for kind in changed}},
        )
    return changed


# --- Unsubscribing without signing in ---------------------------------------------------


def unsubscribe_token(user: User, kind: str) -> str:
    """A signed token for "stop emails of this kind" (or DIGEST: the daily email)."""
    return signing.TimestampSigner(salt=_UNSUBSCRIBE_SALT).sign_object(
        {"user": user.pk, "kind": kind}
    )


def unsubscribe_url(user: User, kind: str) -> str:
    path = reverse("participants:unsubscribe", args=[unsubscribe_token(user, kind)])
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token_read(token: str) -> tuple[User, str] | None:
    """The person and kind a token names, or None for a changed or unknown token.

    The links do not expire: a person may unsubscribe from an old email.
    """
    try:
        value = signing.TimestampSigner(salt=_UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(value, dict):
        return None
    kind = value.get("kind")
    if kind != DIGEST and kind not in Kind.values:
        return None
    user = User.objects.filter(pk=value.get("user"), is_active=True).first()
    if user is None:
        return None
    return user, kind


def unsubscribe_label(kind: str) -> str:
    return _("The daily email") if kind == DIGEST else str(Kind(kind).label)


def unsubscribe(*, user: User, kind: str) -> None:
    """Stop emails of one kind for the person (DIGEST: every kind sent in the daily email).

    The token is the person's permission: no sign-in needed. Safe to repeat.
    """
    with transaction.atomic():
        if kind == DIGEST:
            kinds = [k for k, d in preferences_for(user).items() if d == Delivery.DIGEST]
        else:
            kinds = [Kind(kind).value]
        if kinds:
            _preferences_write(user, dict.fromkeys(kinds, Delivery.OFF))
        record(
            action="notifications.unsubscribed",
            actor=user,
            details={"kind": kind, "kinds": kinds},
        )


# --- Emails ---------------------------------------------------------------------------


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else ""


def local_when(moment: datetime, user: User) -> str:
    """A date and time in the person's own time zone, like 'Friday 12 June 2026, 17:00'."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, 'l j F Y, H:i')} ({zone.key.replace('_', ' ')})"


def _item(notification: Notification, user: User) -> dict[str, Any]:
    return {
        "subject": notification.subject,
        "body": notification.body,
        "link": _site_url(notification.link),
        "deadline": local_when(notification.deadline, user) if notification.deadline else "",
        "kind_label": Kind(notification.kind).label,
    }


def _message(
    *, user: User, subject: str, template: str, context: dict[str, Any], unsubscribe_kind: str
) -> EmailMultiAlternatives:
    """An email with a plain-text part, an HTML part and one-click unsubscribe headers."""
    link = unsubscribe_url(user, unsubscribe_kind)
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "unsubscribe_url": link,
        "unsubscribe_label": unsubscribe_label(unsubscribe_kind),
        "preferences_url": _site_url(reverse("participants:notification_preferences")),
    }
    message = EmailMultiAlternatives(
        subject=one_line(f"[{settings.SITE_NAME}] {subject}"),
        body=render_to_string(f"participants/email/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"participants/email/{template}.html", context), "text/html"
    )
    return message


def notifications_email(*, keys: Sequence[str]) -> int:
    """Email each right-away notification named, once. Returns how many were sent.

    Each row is locked (skipping one another worker holds) and `emailed_at` checked
    before sending and set after, in one transaction: a retry sends only the rest.
    One message that cannot be sent (a broken address, a mail server that refuses
    it) never holds up the others: it is logged and left for the sweep; a mail server
    that is down (OSError) makes the task retry the unsent ones after the rest.
    """
    sent = 0
    unreachable: OSError | None = None
    for key in keys:
        try:
            sent += _notification_email(key)
        except OSError as error:
            unreachable = error
        except Exception:
            logger.exception("Could not email the notification %s; the others go on.", key)
    if unreachable is not None:
        raise unreachable
    return sent


def _notification_email(key: str) -> int:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(key=key, delivery=Delivery.IMMEDIATE, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return 0
        user = notification.recipient
        if not user.is_active or preferences_for(user)[notification.kind] == Delivery.OFF:
            return 0  # they unsubscribed since: not sent, still on their page
        _message(
            user=user,
            subject=notification.subject,
            template="notification",
            context={"item": _item(notification, user)},
            unsubscribe_kind=notification.kind,
        ).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return 1


def notifications_email_unsent(*, now: datetime | None = None) -> int:
    """Send right-away notifications whose queued send never ran (safety net)."""
    now = now or timezone.now()
    keys = list(
        Notification.objects.filter(
            delivery=Delivery.IMMEDIATE,
            emailed_at__isnull=True,
            created_at__lte=now - SWEEP_AFTER,
            created_at__gte=now - SWEEP_UNTIL,
        ).values_list("key", flat=True)
    )
    return notifications_email(keys=keys)


def digest_send(*, user_id: int, now: datetime | None = None) -> bool:
    """Send one person one email with all their daily-email notifications not yet sent."""
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return False
        # Kinds switched off since are left out; kinds switched to right away still come.
        wanted = [k for k, d in preferences_for(user).items() if d != Delivery.OFF]
        notifications = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                recipient=user,
                delivery=Delivery.DIGEST,
                kind__in=wanted,
                emailed_at__isnull=True,
                created_at__lte=now,
            )
            .order_by("created_at", "id")
        )
        if not notifications:
            return False
        count = len(notifications)
        _message(
            user=user,
            subject=_("Your daily update: %(count)s new") % {"count": count},
            template="digest",
            context={"items": [_item(n, user) for n in notifications], "count": count},
            unsubscribe_kind=DIGEST,
        ).send()
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=now)
    return True


def digests_send(*, now: datetime | None = None) -> int:
    """Send every daily email due. Safe to run twice: sent rows are marked."""
    now = now or timezone.now()
    people = (
        Notification.objects.filter(
            delivery=Delivery.DIGEST, emailed_at__isnull=True, created_at__lte=now
        )
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    unreachable: OSError | None = None
    for user_id in list(people):
        # One person's email failing never holds up everyone else's.
        try:
            sent += digest_send(user_id=user_id, now=now)
        except OSError as error:
            unreachable = error
        except Exception:
            logger.exception("Could not send the daily email of person %s.", user_id)
    if unreachable is not None:
        raise unreachable
    return sent
