"""Signing up from an invitation link makes the account for the invited address only."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from participants.models import User
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_sign_up_from_an_invitation_uses_the_invited_address_and_refuses_another(
    client, project: Project, facilitator: User
) -> None:
    from projects import services

    _invitation, token = services.invitation_create(
        actor=facilitator, project=project, email="Newcomer@example.org", role="member"
    )
    link = reverse("projects:invitation", args=[token])
    client.get(link)
    form = client.get(reverse("account_signup") + f"?next={link}")
    assert 'value="Newcomer@example.org"' in form.text  # filled in for them

    typed = {
        "email": "someone.else@example.org",
        "password1": "a fine long passphrase",
        "password2": "a fine long passphrase",
        "display_name": "Kind Otter",
    }
    refused = client.post(reverse("account_signup") + f"?next={link}", typed)
    assert refused.status_code == 200
    assert "Your invitation was sent to Newcomer@example.org" in refused.text
    assert 'value="Kind Otter"' in refused.text  # what they typed is kept
    assert not User.objects.filter(email__iexact="someone.else@example.org").exists()
    assert not EmailAddress.objects.filter(email__iexact="someone.else@example.org").exists()

    created = client.post(
        reverse("account_signup") + f"?next={link}", {**typed, "email": "newcomer@example.org"}
    )
    assert created.status_code == 302
    person = User.objects.get(email__iexact="newcomer@example.org")
    addresses = list(EmailAddress.objects.filter(user=person).values_list("email", "verified"))
    assert [(email.lower(), verified) for email, verified in addresses] == [
        ("newcomer@example.org", True)
    ]
