"""Names cannot impersonate: hidden characters go and a display name is one person's.
One-line fields keep to one line, so no title can split an email's header."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from decisions.forms import ProposalForm
from participants.models import User
from participants.notifications.services import notifications_email, notify
from projects.models import Invitation, Project
from projects.tasks import invitation_email_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("participants:profile")


def _profile(client, name: str):  # type: ignore[no-untyped-def]
    return client.post(
        PROFILE, {"display_name": name, "full_name": "", "time_zone": "Europe/London"}
    )


def test_control_and_direction_characters_are_removed_from_a_display_name(
    client, carer_member: User
) -> None:
    client.force_login(carer_member)
    response = _profile(client, "  Sam\u202e \x1b[31m  Jones\u200b ")
    assert response.status_code == 302
    carer_member.refresh_from_db()
    assert carer_member.display_name == "Sam [31m Jones"


def test_someone_elses_display_name_is_refused_kindly_in_any_letter_case(
    client, carer_member: User, lived_experience_member: User
) -> None:
    client.force_login(carer_member)
    for lookalike in (
        "quiet heron",
        "Quiet\u202eHeron".replace("\u202e", " "),
        "Quiet\u200bHeron ",
    ):
        response = _profile(client, lookalike)
        if lookalike == "Quiet\u200bHeron ":
            # Without the zero-width space this is "QuietHeron": a different name, allowed.
            assert response.status_code == 302
            continue
        assert response.status_code == 200
        assert "Someone else already uses this display name" in response.text
        assert f'value="{lookalike.strip()}"' in response.text  # what they typed is kept
    carer_member.refresh_from_db()
    assert carer_member.display_name == "QuietHeron"


def test_keeping_ones_own_name_is_not_a_clash(client, carer_member: User) -> None:
    client.force_login(carer_member)
    assert _profile(client, "STEADY ROWAN").status_code == 302
    carer_member.refresh_from_db()
    assert carer_member.display_name == "STEADY ROWAN"


def test_the_database_refuses_a_second_person_with_the_same_name(
    lived_experience_member: User,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="twin@example.org", display_name="QUIET HERON")


@pytest.mark.django_db(transaction=True)
@override_settings(OPEN_SIGNUP=True)
def test_signing_up_with_a_taken_name_is_refused_and_a_new_account_is_in_the_trail(
    client, lived_experience_member: User
) -> None:
    form = {
        "email": "new@example.org",
        "password1": "a fine long passphrase",
        "password2": "a fine long passphrase",
        "display_name": "Quiet Heron",
    }
    response = client.post(reverse("account_signup"), form)
    assert response.status_code == 200
    assert "Someone else already uses this display name" in response.text
    assert 'value="new@example.org"' in response.text
    assert not User.objects.filter(email="new@example.org").exists()

    response = client.post(reverse("account_signup"), {**form, "display_name": "Bright\u202eOwl"})
    assert response.status_code == 302
    person = User.objects.get(email="new@example.org")
    assert person.display_name == "BrightOwl"
    event = AuditEvent.objects.get(action="account.signed_up")
    assert event.actor_id == person.pk
    assert event.project_id is None


@pytest.mark.parametrize(
    ("title", "body", "complaint"),
    [
        ("Quiet room\r\nBcc: everyone@example.org", "Fine.", "title"),
        ("Quiet\u202eroom", "Fine.", "title"),
        ("Quiet room", "Line one\x1b[2J", "body"),
        ("Quiet room", "Reversed \u202etext", "body"),
    ],
)
def test_one_line_fields_refuse_line_breaks_and_every_field_hidden_characters(
    title: str, body: str, complaint: str
) -> None:
    form = ProposalForm(data={"title": title, "body": body})
    assert not form.is_valid()
    assert list(form.errors) == [complaint]
    assert "hidden character" in form.errors[complaint][0]


def test_a_multi_line_field_keeps_its_line_breaks() -> None:
    form = ProposalForm(data={"title": "Quiet room", "body": "Line one\r\nLine two\tand a tab"})
    assert form.is_valid(), form.errors


def test_a_title_with_a_line_break_still_makes_a_one_line_email_subject(
    project: Project, facilitator: User, outsider: User
) -> None:
    # A title written before this rule (or through the admin) still holds a line break.
    Project.objects.filter(pk=project.pk).update(title="Night care\r\nBcc: all@example.org")
    project.refresh_from_db()
    from projects import services

    mail.outbox.clear()
    invitation, token = services.invitation_create(
        actor=facilitator, project=project, email="newcomer@example.org", role="member"
    )
    invitation_email_send(str(invitation.pk), token)
    (message,) = [m for m in mail.outbox if m.to == ["newcomer@example.org"]]
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert "Night care Bcc: all@example.org" in message.subject
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"

    notify(
        recipients=[outsider],
        kind="invited",
        key="subject-test",
        subject="Line\r\nBreak",
        body="Hello",
    )
    notifications_email(keys=[f"subject-test:{outsider.pk}"])
    assert mail.outbox[-1].subject.endswith("Line Break")


def test_one_notification_that_cannot_be_sent_never_holds_up_the_others(
    carer_member: User, clinician_member: User
) -> None:
    # An address no mail server would take (a line break inside it).
    User.objects.filter(pk=carer_member.pk).update(email="carer\n@example.org")
    carer_member.refresh_from_db()
    mail.outbox.clear()
    keys = notify(
        recipients=[carer_member, clinician_member],
        kind="invited",
        key="isolation",
        subject="News",
        body="Hello",
    )
    assert notifications_email(keys=keys) == 1
    assert [message.to for message in mail.outbox] == [["clinician@example.org"]]
