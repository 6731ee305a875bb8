"""Sign-ins of facilitators and observers, and two-factor changes, are audit events."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from participants.models import User
from projects.models import Project
from tests.factories import current_totp_code

pytestmark = pytest.mark.django_db


def _sign_in(client, email: str, password: str, *, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if code is not None:
        assert response["Location"].startswith(reverse("mfa_authenticate"))
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].is_authenticated


def test_an_observer_signing_in_is_recorded(
    client, project: Project, manager: User, password: str
) -> None:
    _sign_in(client, manager.email, password, code=current_totp_code(manager))
    event = AuditEvent.objects.get(action="account.signed_in")
    assert event.project_id is None  # the site-wide chain
    assert event.actor_id == manager.pk
    assert event.actor_label == "Silver Birch"
    assert event.details == {"methods": ["mfa", "password"]}
    assert event.request_id
    assert "manager@example.org" not in str(event.details)


def test_a_member_signing_in_is_not_recorded(
    client, project: Project, carer_member: User, password: str
) -> None:
    _sign_in(client, carer_member.email, password)
    assert not AuditEvent.objects.filter(action="account.signed_in").exists()


def test_switching_two_factor_sign_in_on_and_off_is_recorded(
    client, carer_member: User, password: str, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    _sign_in(client, carer_member.email, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    code = current_totp_code(secret)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    added = list(
        AuditEvent.objects.filter(action="mfa.authenticator_added").values_list(
            "details", flat=True
        )
    )
    assert {"type": "totp"} in added
    assert all(
        event.project_id is None for event in AuditEvent.objects.filter(action__startswith="mfa.")
    )

    totp = Authenticator.objects.get(user=carer_member, type="totp")
    response = client.post(reverse("mfa_deactivate_totp"), {"id": totp.pk})
    assert response.status_code == 302
    removed = AuditEvent.objects.filter(action="mfa.authenticator_removed")
    assert {"type": "totp"} in list(removed.values_list("details", flat=True))
    assert all(event.actor_id == carer_member.pk for event in removed)
