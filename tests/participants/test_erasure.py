"""Erasing an account: the person becomes "Former member N", everything they wrote stays
attributed to that name, the trail still verifies, and their address is free again."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.urls import reverse

from coproduce.audit.models import AuditEvent
from coproduce.audit.verify import verify_chain
from coproduce.site.data_rights import account_erase
from decisions import services as decision_services
from participants.forms import ProfileForm, SignupDetailsForm
from participants.models import User
from participants.services import ErasureRefused, user_erase
from projects import services as project_services
from projects.models import Invitation, Membership, Project
from tests.factories import PASSWORD, UserFactory, enable_totp

pytestmark = pytest.mark.django_db


def _open_stage(project: Project, facilitator: User):  # type: ignore[no-untyped-def]
    stage = project.stages.get(position=1)
    return project_services.stage_transition(actor=facilitator, stage=stage, to_state="open")


def test_erasure_removes_the_person_and_keeps_what_they_wrote_under_a_new_name(
    project: Project, facilitator: User, carer_member: User
) -> None:
    stage = _open_stage(project, facilitator)
    proposal = decision_services.proposal_create(
        actor=carer_member, stage=stage, title="Quiet room", body="Somewhere calm to wait."
    )
    decision_services.comment_create(actor=carer_member, proposal=proposal, body="And a drink.")
    carer_member.full_name = "Sam Carer"
    carer_member.save()
    enable_totp(carer_member)

    erased = account_erase(actor=carer_member, user=carer_member)

    erased.refresh_from_db()
    number = erased.erased_number
    assert number is not None
    assert erased.display_name == f"Former member {number}"
    assert erased.email == f"erased-{number}@invalid"
    assert erased.full_name == ""
    assert not erased.is_active
    assert not erased.has_usable_password()
    assert not EmailAddress.objects.filter(user=erased).exists()
    assert not Authenticator.objects.filter(user=erased).exists()
    assert not User.objects.filter(email__iexact="carer@example.org").exists()
    # What they wrote stays, under the new name.
    proposal.refresh_from_db()
    assert proposal.author_id == erased.pk
    assert proposal.body == "Somewhere calm to wait."
    assert str(proposal.author) == f"Former member {number}"
    # They left the project, recorded without their former name.
    membership = Membership.objects.get(project=project, user=erased)
    assert membership.left_at is not None
    left = AuditEvent.objects.get(project_id=project.pk, action="membership.left")
    assert left.actor_label == f"Former member {number}"
    assert "Steady Rowan" not in str(left.details)
    assert not erased.groups.exists()
    # The site-wide trail records the erasure; every chain still verifies.
    assert AuditEvent.objects.filter(project_id=None, action="account.erased").count() == 1
    assert verify_chain(project.pk).intact
    assert verify_chain(None).intact


def test_the_number_is_stable_and_never_shared(
    project: Project, carer_member: User, clinician_member: User
) -> None:
    first = account_erase(actor=carer_member, user=carer_member)
    second = account_erase(actor=clinician_member, user=clinician_member)
    again = account_erase(actor=first, user=User.objects.get(pk=first.pk))
    assert first.erased_number != second.erased_number
    assert again.erased_number == first.erased_number
    assert again.display_name == first.display_name
    # Erasing twice records nothing more.
    assert AuditEvent.objects.filter(action="account.erased").count() == 2


def test_an_erased_person_cannot_sign_in_and_their_address_makes_a_new_account(
    client, project: Project, carer_member: User
) -> None:
    client.force_login(carer_member)
    assert Session.objects.count() == 1
    account_erase(actor=carer_member, user=carer_member)
    # Signed out on every device.
    assert Session.objects.count() == 0
    assert client.get(reverse("participants:profile")).status_code == 302

    response = client.post(
        reverse("account_login"), {"login": "carer@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

    fresh = UserFactory(email="carer@example.org", display_name="Steady Rowan")
    assert fresh.pk != carer_member.pk
    assert not fresh.memberships.exists()
    response = client.post(
        reverse("account_login"), {"login": "carer@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(fresh.pk)


def test_the_last_facilitator_can_still_erase_their_account(
    project: Project, facilitator: User
) -> None:
    erased = account_erase(actor=facilitator, user=facilitator)
    assert not Membership.objects.filter(project=project, role="facilitator", left_at=None).exists()
    # Invitations they sent stay, shown under their new name.
    sent = Invitation.objects.filter(project=project, invited_by=erased)
    assert sent.exists()
    assert verify_chain(project.pk).intact


def test_invitations_to_the_erased_address_lose_it(
    project: Project, facilitator: User, outsider: User
) -> None:
    project_services.invitation_create(
        actor=facilitator, project=project, email="Outsider@Example.org", role="member"
    )
    erased = account_erase(actor=outsider, user=outsider)
    assert not Invitation.objects.filter(email__iexact="outsider@example.org").exists()
    assert Invitation.objects.filter(email=erased.email).count() == 1


def test_only_the_person_or_an_administrator_may_erase(
    carer_member: User, clinician_member: User, facilitator: User
) -> None:
    with pytest.raises(ErasureRefused):
        user_erase(actor=clinician_member, user=carer_member)
    with pytest.raises(ErasureRefused):
        # A facilitator is not an administrator of people's accounts.
        user_erase(actor=facilitator, user=carer_member)
    carer_member.refresh_from_db()
    assert carer_member.is_active
    assert not carer_member.is_erased
    admin = UserFactory(is_staff=True, is_superuser=True)
    user_erase(actor=admin, user=carer_member)
    event = AuditEvent.objects.get(action="account.erased")
    assert event.actor_id == admin.pk
    assert event.details == {"by": "administrator"}


@pytest.mark.parametrize("name", ["Former member 3", "former MEMBER 12", "  Former member"])
def test_nobody_else_can_take_a_former_member_name(name: str, carer_member: User) -> None:
    form = ProfileForm(
        {"display_name": name, "full_name": "", "time_zone": "Europe/London"},
        instance=carer_member,
    )
    assert not form.is_valid()
    assert "kept for accounts that were erased" in str(form.errors["display_name"])
    signup = SignupDetailsForm({"display_name": name})
    assert not signup.is_valid()
