"""The notifications page and the page of email choices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from participants.models import User
from participants.notifications import services
from participants.notifications.models import Delivery, Kind, Notification

pytestmark = pytest.mark.django_db

LIST = reverse("participants:notifications")
CHOICES = reverse("participants:notification_preferences")


def _tell(person: User, number: int) -> Notification:
    services.notify(
        recipients=[person],
        kind=Kind.STAGE_OPENED,
        key=f"stage_opened:{number}",
        subject=f"Stage {number} has opened",
        body=f"Body {number}",
        link="/projects/",
    )
    return Notification.objects.get(key=f"stage_opened:{number}:{person.pk}")


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    for url in (LIST, CHOICES, reverse("participants:notifications_read_all")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_page_lists_only_your_own_newest_first(
    client, carer_member: User, clinician_member: User, django_assert_max_num_queries
) -> None:
    for number in range(1, 4):
        _tell(carer_member, number)
    _tell(clinician_member, 99)
    client.force_login(carer_member)
    with django_assert_max_num_queries(8):
        page = client.get(LIST)
    assert page.status_code == 200
    text = page.text
    assert text.index("Stage 3 has opened") < text.index("Stage 2") < text.index("Stage 1")
    assert "Stage 99" not in text


def test_every_page_says_how_many_notifications_are_new(
    client, carer_member: User, clinician_member: User
) -> None:
    _tell(carer_member, 1)
    _tell(carer_member, 2)
    _tell(clinician_member, 3)
    client.force_login(carer_member)
    home = client.get("/").text
    assert "Notifications (2 new)" in home
    assert "You have 2 new notifications" in home  # on a phone the menu item is under "More"
    client.post(reverse("participants:notifications_read_all"))
    home = client.get("/").text
    assert "new)" not in home
    assert "new notification" not in home
    assert ">Notifications</a>" in home


def test_mark_as_read(client, carer_member: User, clinician_member: User) -> None:
    mine = _tell(carer_member, 1)
    theirs = _tell(clinician_member, 2)
    client.force_login(carer_member)
    url = reverse("participants:notification_read", args=[mine.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == LIST
    mine.refresh_from_db()
    assert mine.read_at is not None
    # Someone else's is not found, and stays unread.
    other = client.post(reverse("participants:notification_read", args=[theirs.pk]))
    assert other.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read(client, carer_member: User, clinician_member: User) -> None:
    _tell(carer_member, 1)
    _tell(carer_member, 2)
    theirs = _tell(clinician_member, 3)
    client.force_login(carer_member)
    assert "Mark all as read" in client.get(LIST).text
    assert client.get(reverse("participants:notifications_read_all")).status_code == 405
    assert client.post(reverse("participants:notifications_read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=carer_member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Mark all as read" not in client.get(LIST).text


def test_the_list_page_refuses_post(client, carer_member: User) -> None:
    client.force_login(carer_member)
    assert client.post(LIST).status_code == 405


def test_choosing_how_to_hear_about_each_kind(client, carer_member: User) -> None:
    client.force_login(carer_member)
    page = client.get(CHOICES)
    assert page.status_code == 200
    assert "Emails you get" in page.text
    assert 'type="radio"' in page.text
    data = {kind: Delivery.IMMEDIATE for kind in Kind.values}
    data[Kind.REPLY] = Delivery.OFF
    data[Kind.STAGE_OPENED] = Delivery.DIGEST
    response = client.post(CHOICES, data)
    assert response.status_code == 302
    choices = services.preferences_for(carer_member)
    assert choices[Kind.REPLY] == Delivery.OFF
    assert choices[Kind.STAGE_OPENED] == Delivery.DIGEST
    event = AuditEvent.objects.get(action="notification_preferences.updated")
    assert event.details == {"changed": {"reply": "off", "stage_opened": "digest"}}


def test_a_missing_choice_is_refused_kindly(client, carer_member: User) -> None:
    client.force_login(carer_member)
    response = client.post(CHOICES, {Kind.REPLY: Delivery.OFF})
    assert response.status_code == 200
    assert "Choose how to hear about this." in response.text
    assert services.preferences_for(carer_member)[Kind.REPLY] == Delivery.IMMEDIATE


def test_the_choices_page_refuses_other_methods(client, carer_member: User) -> None:
    client.force_login(carer_member)
    assert client.put(CHOICES).status_code == 405
