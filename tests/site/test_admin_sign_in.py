"""The admin signs in through allauth (rate limits, two factors), never by password alone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from participants.models import User
from tests.factories import UserFactory, current_totp_code, enable_totp

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="admin@example.org", display_name="Site Keeper", is_staff=True)


def _password_sign_in(client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_admin_sign_in_page_sends_people_to_the_portal_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(ADMIN_LOGIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    # Its old password form is gone: a POST of a password signs nobody in.
    client.post(ADMIN_LOGIN, {"username": "admin@example.org", "password": "guess"})
    assert client.get(ADMIN).status_code == 302


def test_staff_without_two_factor_never_reach_the_admin_with_a_password_alone(
    client, staff: User, password: str
) -> None:
    assert _password_sign_in(client, staff.email, password).status_code == 302
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert b"Site administration" not in response.content


def test_a_session_that_did_not_use_two_factors_is_asked_for_the_code(client, staff: User) -> None:
    enable_totp(staff)
    client.force_login(staff, two_factors=False)  # no second factor proved in this session
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_reauthenticate"))
    assert b"Site administration" not in response.content

    response = client.post(
        response.redirect_chain[-1][0], {"code": current_totp_code(staff)}, follow=True
    )
    assert response.status_code == 200
    assert b"Site administration" in response.content


def test_staff_who_signed_in_with_two_factors_reach_the_admin(
    client, staff: User, password: str
) -> None:
    enable_totp(staff)
    response = _password_sign_in(client, staff.email, password)
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(staff)})
    assert client.get(ADMIN).status_code == 200


def test_people_who_are_not_staff_are_refused(client, carer_member: User) -> None:  # type: ignore[no-untyped-def]
    client.force_login(carer_member)
    assert client.get(ADMIN_LOGIN).status_code == 403
