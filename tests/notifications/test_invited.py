"""Someone who already has an account hears of an invitation as a notification, and can join
from it or from their home page; someone new gets the invitation email with its link."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from participants.models import User
from participants.notifications.models import Delivery, Kind, Notification
from participants.notifications.services import notifications_email, preferences_update
from projects import services
from projects.models import Membership, Project
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _invite(project: Project, facilitator: User, email: str, role: str = "member"):  # type: ignore[no-untyped-def]
    return services.invitation_create(actor=facilitator, project=project, email=email, role=role)


def test_an_existing_account_is_told_on_its_notifications_page_and_by_email(
    client, project: Project, facilitator: User, outsider: User
) -> None:
    invitation, _token = _invite(project, facilitator, "Outsider@Example.org")
    notification = Notification.objects.get(recipient=outsider, kind=Kind.INVITED)
    assert notification.subject == 'You are invited to join "Better crisis care at night"'
    assert "Warm Lark has invited you" in notification.body
    assert "as a member" in notification.body
    assert "(Europe/London)" in notification.body  # the expiry in the person's own time zone
    assert notification.link == reverse("projects:invitation_for_you", args=[invitation.pk])

    mail.outbox.clear()
    notifications_email(keys=[notification.key])
    (message,) = mail.outbox
    assert message.to == ["outsider@example.org"]
    assert notification.link in message.body
    assert "/unsubscribe/" in message.body  # its kind can be switched off

    client.force_login(outsider)
    assert (
        "You are invited to join &quot;Better crisis care at night&quot;"
        in client.get(reverse("participants:notifications")).text
    )


def test_someone_new_gets_the_invitation_email_and_no_notification(
    project: Project, facilitator: User
) -> None:
    _invite(project, facilitator, "newcomer@example.org")
    assert not Notification.objects.filter(kind=Kind.INVITED).exists()


def test_an_invitation_waits_on_the_home_page_and_joins_from_there(
    client, project: Project, facilitator: User, outsider: User
) -> None:
    invitation, _token = _invite(project, facilitator, outsider.email, role="member")
    client.force_login(outsider)
    home = client.get("/").text
    assert "Invitations for you" in home
    assert "Warm Lark invited you as a member." in home
    link = reverse("projects:invitation_for_you", args=[invitation.pk])
    assert link in home

    page = client.get(link)
    assert "Join Better crisis care at night" in page.text
    refused = client.post(link, {"constituency": "carer"})
    assert "tick the box to accept the ground rules" in refused.text
    assert not Membership.objects.filter(user=outsider).exists()
    response = client.post(link, {"constituency": "carer", "accepts_ground_rules": "on"})
    assert response.status_code == 302
    assert Membership.objects.get(user=outsider, left_at__isnull=True).constituency == "carer"
    assert "Invitations for you" not in client.get("/").text
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.text


def test_only_the_invited_person_can_open_it(
    client, project: Project, facilitator: User, outsider: User
) -> None:
    invitation, _token = _invite(project, facilitator, "newcomer@example.org")
    link = reverse("projects:invitation_for_you", args=[invitation.pk])
    client.force_login(outsider)
    assert client.get(link).status_code == 404
    assert (
        client.post(link, {"constituency": "carer", "accepts_ground_rules": "on"}).status_code
        == 404
    )
    assert not Membership.objects.filter(user=outsider).exists()
    assert "Invitations for you" not in client.get("/").text
    client.logout()
    assert client.get(link).status_code == 302  # to sign in, learning nothing

    # A second, verified address of theirs counts as theirs.
    EmailAddress.objects.create(user=outsider, email="newcomer@example.org", verified=True)
    client.force_login(outsider)
    assert client.get(link).status_code == 200


def test_a_withdrawn_invitation_takes_back_its_unsent_notification(
    project: Project, facilitator: User, outsider: User
) -> None:
    invitation, _token = _invite(project, facilitator, outsider.email)
    services.invitation_revoke(actor=facilitator, invitation=invitation)
    assert not Notification.objects.filter(recipient=outsider, kind=Kind.INVITED).exists()


def test_an_invitation_honours_the_persons_choice_for_its_kind(
    project: Project, facilitator: User, outsider: User
) -> None:
    preferences_update(actor=outsider, user=outsider, choices={Kind.INVITED: Delivery.DIGEST})
    User.objects.filter(pk=outsider.pk).update(time_zone="America/New_York")
    outsider.refresh_from_db()
    _invite(project, facilitator, outsider.email, role="observer")
    notification = Notification.objects.get(recipient=outsider, kind=Kind.INVITED)
    assert notification.delivery == Delivery.DIGEST
    assert "as an observer" in notification.body
    assert "(America/New York)" in notification.body


def test_an_inactive_account_is_treated_as_someone_new(project: Project, facilitator: User) -> None:
    UserFactory(email="gone@example.org", is_active=False)
    _invite(project, facilitator, "gone@example.org")
    assert not Notification.objects.filter(kind=Kind.INVITED).exists()


def test_the_invitation_page_refuses_other_methods_and_joining_is_in_the_trail(
    client, project: Project, facilitator: User, outsider: User
) -> None:
    from coproduce.audit.models import AuditEvent

    invitation, _token = _invite(project, facilitator, outsider.email)
    link = reverse("projects:invitation_for_you", args=[invitation.pk])
    client.force_login(outsider)
    assert client.put(link).status_code == 405
    client.post(link, {"constituency": "clinician", "accepts_ground_rules": "on"})
    joined = AuditEvent.objects.filter(project_id=project.pk).order_by("-sequence")
    assert {"invitation.accepted", "membership.started"} <= set(
        joined.values_list("action", flat=True)[:2]
    )


def test_the_home_page_queries_do_not_grow_with_invitations(
    client, facilitator: User, outsider: User
) -> None:
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    client.force_login(outsider)
    projects = [
        services.project_create(
            actor=facilitator, title=f"Project {n}", purpose="p", ground_rules="g"
        )
        for n in range(5)
    ]
    _invite(projects[0], facilitator, outsider.email)
    one = count_queries()
    for project in projects[1:]:
        _invite(project, facilitator, outsider.email)
    assert "Project 4" in client.get("/").text
    assert count_queries() == one
