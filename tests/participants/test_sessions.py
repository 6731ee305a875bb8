"""Sign-ins left idle end calmly; people see where they are signed in and end the rest."""

from __future__ import annotations

import re

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participants.models import User

pytestmark = pytest.mark.django_db

PROFILE = reverse("participants:profile")


def _sign_in(client: Client, person: User, password: str) -> None:
    response = client.post(reverse("account_login"), {"login": person.email, "password": password})
    assert response.status_code == 302


def test_a_sign_in_left_idle_for_30_minutes_ends_with_a_calm_explanation(
    client, carer_member: User, password: str
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, carer_member, password)
        assert client.get(PROFILE).status_code == 200
    with time_machine.travel(start + timezone.timedelta(minutes=29), tick=False):
        assert client.get(PROFILE).status_code == 200  # still signed in: activity resets it
    with time_machine.travel(start + timezone.timedelta(minutes=58), tick=False):
        assert client.get(PROFILE).status_code == 200
    with time_machine.travel(start + timezone.timedelta(minutes=89), tick=False):
        response = client.get(PROFILE)
        assert response.status_code == 302
        assert response["Location"] == reverse("account_login") + "?next=%2Faccount%2Fprofile%2F"
        page = client.get(response["Location"])
        assert "You were signed out to keep your account safe" in page.text
        assert not page.context["user"].is_authenticated


def test_a_form_sent_after_the_idle_limit_shows_back_what_was_typed_and_saves_nothing(
    client, carer_member: User, password: str
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, carer_member, password)
        client.get(PROFILE)
    with time_machine.travel(start + timezone.timedelta(minutes=31), tick=False):
        response = client.post(
            PROFILE,
            {"display_name": "A name I thought about", "full_name": "", "time_zone": "UTC"},
        )
    assert response.status_code == 401
    assert "You were signed out to keep your account safe" in response.text
    assert "A name I thought about" in response.text
    assert "no-store" in response["Cache-Control"]
    assert not re.search(r"csrfmiddlewaretoken.*readonly", response.text)
    carer_member.refresh_from_db()
    assert carer_member.display_name == "Steady Rowan"


def test_people_see_where_they_are_signed_in_and_sign_out_everywhere_else(
    carer_member: User, password: str
) -> None:
    phone, laptop = Client(HTTP_USER_AGENT="Phone browser"), Client(HTTP_USER_AGENT="Laptop")
    _sign_in(phone, carer_member, password)
    _sign_in(laptop, carer_member, password)
    assert UserSession.objects.filter(user=carer_member).count() == 2

    laptop.post(reverse("account_reauthenticate"), {"password": password})
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "Where you are signed in" in page.text
    assert "Phone browser" in page.text
    assert "This browser" in page.text

    laptop.post(reverse("usersessions_list"))
    assert phone.get(PROFILE).status_code == 302  # the phone was signed out
    assert laptop.get(PROFILE).status_code == 200


def test_changing_the_email_address_asks_for_the_password_again(
    client, carer_member: User, password: str
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _sign_in(client, carer_member, password)
    with time_machine.travel(start + timezone.timedelta(minutes=10), tick=False):
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "carer.new@example.org"}
        )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not carer_member.emailaddress_set.filter(email="carer.new@example.org").exists()
