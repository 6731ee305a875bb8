"""Signing in: password, emailed code (sent once the request commits), rate limits, MFA."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from participants.models import User
from tests.conftest import code_from_email


def _signed_in_as(client) -> str | None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("home"))
    return response.context["user"].email if response.context["user"].is_authenticated else None


@pytest.mark.django_db
def test_sign_in_with_email_and_password(client, carer_member: User, password: str) -> None:
    response = client.post(
        reverse("account_login"), {"login": "carer@example.org", "password": password}
    )
    assert response.status_code == 302
    assert _signed_in_as(client) == "carer@example.org"


@pytest.mark.django_db
def test_a_wrong_password_is_refused_kindly_and_keeps_the_email(client, carer_member: User) -> None:
    response = client.post(
        reverse("account_login"), {"login": "carer@example.org", "password": "not it"}
    )
    assert response.status_code == 200
    assert 'value="carer@example.org"' in response.text
    assert _signed_in_as(client) is None


@pytest.mark.django_db
def test_repeated_failed_sign_ins_are_rate_limited(client, carer_member: User) -> None:
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "carer@example.org", "password": "no"})
    response = client.post(
        reverse("account_login"), {"login": "carer@example.org", "password": "still no"}
    )
    assert "Too many failed login attempts" in response.text


@pytest.mark.django_db(transaction=True)
def test_sign_in_with_a_code_sent_by_email(client, clinician_member: User) -> None:
    mail.outbox.clear()
    response = client.post(
        reverse("account_request_login_code"), {"email": "clinician@example.org"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")

    message = mail.outbox[-1]
    assert message.to == ["clinician@example.org"]
    code = code_from_email(message)

    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert _signed_in_as(client) == "clinician@example.org"


@pytest.mark.django_db(transaction=True)
def test_a_wrong_code_does_not_sign_in(client, clinician_member: User) -> None:
    mail.outbox.clear()
    client.post(reverse("account_request_login_code"), {"email": "clinician@example.org"})
    assert mail.outbox
    response = client.post(reverse("account_confirm_login_code"), {"code": "WRON-GONE"})
    assert response.status_code == 200
    assert _signed_in_as(client) is None


@pytest.mark.django_db
def test_sign_up_is_closed_by_default(client) -> None:
    response = client.get(reverse("account_signup"))
    assert "signup_closed" in " ".join(t.name for t in response.templates if t.name)
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a fine long passphrase",
            "password2": "a fine long passphrase",
        },
    )
    assert not User.objects.filter(email="new@example.org").exists()


@pytest.mark.django_db(transaction=True)
@override_settings(OPEN_SIGNUP=True)
def test_open_sign_up_needs_the_email_verified_first(client) -> None:
    mail.outbox.clear()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a fine long passphrase",
            "password2": "a fine long passphrase",
            "display_name": "",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="new@example.org")
    assert person.display_name  # a pseudonym was made up
    assert not EmailAddress.objects.get(user=person).verified
    assert _signed_in_as(client) is None

    message = mail.outbox[-1]
    code = code_from_email(message)
    client.post(reverse("account_email_verification_sent"), {"code": code})
    assert EmailAddress.objects.get(user=person).verified
    assert _signed_in_as(client) == "new@example.org"


@pytest.mark.django_db
def test_two_factor_pages_offer_an_authenticator_app_and_recovery_codes(
    client, carer_member: User
) -> None:
    client.force_login(carer_member)
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert reverse("mfa_activate_totp") in page.text
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code in (200, 302)


@pytest.mark.django_db(transaction=True)
def test_the_code_email_names_the_site_and_how_long_the_code_works(
    client, clinician_member: User
) -> None:
    mail.outbox.clear()
    client.post(reverse("account_request_login_code"), {"email": "clinician@example.org"})
    message = mail.outbox[-1]
    assert "It works for 10 minutes." in message.body
    assert "Co-produce" in message.body
