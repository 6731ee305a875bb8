"""notify(), sending once, choices, the daily email and one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coproduce.audit.models import AuditEvent
from participants.models import User
from participants.notifications import services
from participants.notifications.models import Delivery, Kind, Notification

pytestmark = pytest.mark.django_db


def _notify(people: list[User], key: str = "stage_opened:1", kind: str = Kind.STAGE_OPENED):
    return services.notify(
        recipients=people,
        kind=kind,
        key=key,
        subject="A new stage has opened",
        body='The stage "Set priorities" has opened.',
        link="/projects/x/",
    )


def _unsubscribe_path(user: User, kind: str) -> str:
    return reverse("participants:unsubscribe", args=[services.unsubscribe_token(user, kind)])


def test_notify_writes_once_per_key_even_when_called_twice(
    carer_member: User, clinician_member: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        first = _notify([carer_member, clinician_member])
        second = _notify([carer_member, clinician_member])
    assert (
        first
        == second
        == [
            f"stage_opened:1:{carer_member.pk}",
            f"stage_opened:1:{clinician_member.pk}",
        ]
    )
    assert Notification.objects.count() == 2
    assert len(queued) == 2  # each call queues a send; the send checks emailed_at


def test_sending_twice_emails_once(carer_member: User) -> None:
    keys = _notify([carer_member])
    assert services.notifications_email(keys=keys) == 1
    assert services.notifications_email(keys=keys) == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_an_email_has_a_text_part_and_one_click_unsubscribe_headers(carer_member: User) -> None:
    services.notifications_email(keys=_notify([carer_member]))
    message = mail.outbox[0]
    assert message.to == ["carer@example.org"]
    assert message.subject == "[Co-produce] A new stage has opened"
    assert 'The stage "Set priorities" has opened.' in message.body  # the text part
    assert settings.SITE_URL.rstrip("/") + "/projects/x/" in message.body
    assert message.alternatives[0][1] == "text/html"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http")
    assert unsubscribe.endswith(">")
    assert unsubscribe[1:-1] in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_off_and_daily_email_choices_send_nothing_right_away(
    carer_member: User, clinician_member: User, lived_experience_member: User
) -> None:
    services.preferences_update(
        actor=carer_member, user=carer_member, choices={Kind.STAGE_OPENED: Delivery.OFF}
    )
    services.preferences_update(
        actor=clinician_member, user=clinician_member, choices={Kind.STAGE_OPENED: Delivery.DIGEST}
    )
    keys = _notify([carer_member, clinician_member, lived_experience_member])
    assert services.notifications_email(keys=keys) == 1
    assert [message.to for message in mail.outbox] == [["lived@example.org"]]
    # Everyone still sees it on their notifications page.
    assert Notification.objects.filter(kind=Kind.STAGE_OPENED).count() == 3
    assert services.digests_send() == 1
    assert [message.to for message in mail.outbox][1:] == [["clinician@example.org"]]


def test_the_daily_email_gathers_the_days_notifications_into_one(carer_member: User) -> None:
    services.preferences_update(
        actor=carer_member,
        user=carer_member,
        choices={Kind.STAGE_OPENED: Delivery.DIGEST, Kind.REPLY: Delivery.DIGEST},
    )
    _notify([carer_member], key="stage_opened:1")
    _notify([carer_member], key="stage_opened:2")
    services.notify(
        recipients=[carer_member],
        kind=Kind.REPLY,
        key="reply:9",
        subject="Someone replied to your comment",
        body="Someone replied to your comment.",
        link="/p/",
    )
    assert (
        services.notifications_email(keys=list(Notification.objects.values_list("key", flat=True)))
        == 0
    )
    assert services.digests_send() == 1
    assert services.digests_send() == 0  # run twice: nothing more
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert "There are 3 new things" in digest.body
    assert "Someone replied to your comment." in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_daily_email_leaves_out_later_notifications(carer_member: User) -> None:
    services.preferences_update(
        actor=carer_member, user=carer_member, choices={Kind.STAGE_OPENED: Delivery.DIGEST}
    )
    _notify([carer_member])
    assert services.digests_send(now=timezone.now() - timedelta(hours=1)) == 0
    assert mail.outbox == []


def test_a_choice_changed_to_off_before_sending_is_respected(carer_member: User) -> None:
    keys = _notify([carer_member])
    services.unsubscribe(user=carer_member, kind=Kind.STAGE_OPENED)
    assert services.notifications_email(keys=keys) == 0
    assert mail.outbox == []


# --- Unsubscribe -----------------------------------------------------------------------


def test_unsubscribe_works_without_signing_in_and_only_for_that_kind(
    client, carer_member: User
) -> None:
    path = _unsubscribe_path(carer_member, Kind.STAGE_OPENED)
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop these emails" in page.text
    assert "A stage of a project opens" in page.text
    assert services.preferences_for(carer_member)[Kind.STAGE_OPENED] == Delivery.IMMEDIATE
    assert not AuditEvent.objects.filter(action="notifications.unsubscribed").exists()

    done = client.post(path)
    assert done.status_code == 200
    assert "You will not get these emails" in done.text
    choices = services.preferences_for(carer_member)
    assert choices[Kind.STAGE_OPENED] == Delivery.OFF
    assert {kind for kind, delivery in choices.items() if delivery == Delivery.OFF} == {
        Kind.STAGE_OPENED
    }
    assert AuditEvent.objects.filter(action="notifications.unsubscribed").count() == 1

    keys = _notify([carer_member]) + services.notify(
        recipients=[carer_member],
        kind=Kind.REPLY,
        key="reply:1",
        subject="Someone replied",
        body="Someone replied.",
    )
    assert services.notifications_email(keys=keys) == 1
    assert mail.outbox[0].subject.endswith("Someone replied")


def test_the_one_click_post_from_a_mail_program_needs_no_csrf_token(carer_member: User) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        _unsubscribe_path(carer_member, Kind.REPLY), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert services.preferences_for(carer_member)[Kind.REPLY] == Delivery.OFF


def test_the_daily_email_link_stops_the_daily_email(client, carer_member: User) -> None:
    services.preferences_update(
        actor=carer_member,
        user=carer_member,
        choices={Kind.STAGE_OPENED: Delivery.DIGEST, Kind.REPLY: Delivery.DIGEST},
    )
    client.post(_unsubscribe_path(carer_member, services.DIGEST))
    choices = services.preferences_for(carer_member)
    assert choices[Kind.STAGE_OPENED] == choices[Kind.REPLY] == Delivery.OFF
    assert choices[Kind.VOTING_OPENED] == Delivery.IMMEDIATE


@pytest.mark.parametrize("change", ["tamper_kind", "tamper_signature", "nonsense"])
def test_a_changed_link_gets_a_kind_error_and_changes_nothing(
    client, carer_member: User, change: str
) -> None:
    token = services.unsubscribe_token(carer_member, Kind.REPLY)
    if change == "tamper_kind":
        token = token.replace(token.split(":")[0], token.split(":")[0][:-2] + "xx")
    elif change == "tamper_signature":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    else:
        token = "not-a-token"
    path = reverse("participants:unsubscribe", args=[token])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link does not work" in response.text
        assert "Nothing has changed." in response.text
    assert services.preferences_for(carer_member)[Kind.REPLY] == Delivery.IMMEDIATE


def test_unsubscribe_refuses_other_methods(client, carer_member: User) -> None:
    assert client.put(_unsubscribe_path(carer_member, Kind.REPLY)).status_code == 405
